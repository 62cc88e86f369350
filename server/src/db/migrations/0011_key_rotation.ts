import type { Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/**
 * Backups under the key hierarchy and key rotation (issues 10 and 12, docs/security.md):
 * - `backups.encrypted`, `backups.key_id`: whether an archive is encrypted and the public id of
 *   the master key it needs (never the key);
 * - `key_rotations`: one row per rotation of the master key (`hom rekey`, or the running server's
 *   `POST /api/v1/encryption/rotations`), with its progress: whether the database was re-keyed,
 *   how many photos were rewrapped and the last photo id done, so an interrupted rotation resumes
 *   where it stopped.
 */
export function keyRotation(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("backups")
        .addColumn("encrypted", t.boolean, (c) => c.notNull().defaultTo(t.false))
        .execute();
      await db.schema.alterTable("backups").addColumn("key_id", t.text).execute();
      await db.schema
        .createTable("key_rotations")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("status", t.text, (c) => c.notNull()) // running | done | failed
        .addColumn("trigger", t.text, (c) => c.notNull()) // cli | api
        .addColumn("from_key_id", t.text, (c) => c.notNull())
        .addColumn("to_key_id", t.text, (c) => c.notNull())
        .addColumn("database_rekeyed", t.boolean, (c) => c.notNull().defaultTo(t.false))
        .addColumn("photos_total", t.integer, (c) => c.notNull().defaultTo(0))
        .addColumn("photos_done", t.integer, (c) => c.notNull().defaultTo(0))
        .addColumn("last_photo_id", t.id)
        .addColumn("started_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addColumn("finished_at", t.timestamp)
        .addColumn("error", t.text)
        .addColumn("actor_id", t.id, (c) => c.references("users.id"))
        .execute();
      await db.schema
        .createIndex("key_rotations_started_idx")
        .on("key_rotations")
        .columns(["started_at", "id"])
        .execute();
    },
  };
}
