import type { Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/**
 * Operations (docs/operations.md): the record of every scheduled job run, the backup history,
 * the admin's retention rules, and the audit checkpoint that keeps the hash chain verifiable
 * after old audit entries are purged.
 */
export function operations(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("job_runs")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("name", t.text, (c) => c.notNull())
        // The tick the run belongs to: the same on every instance, so a tick run twice would show.
        .addColumn("scheduled_for", t.timestamp, (c) => c.notNull())
        .addColumn("started_at", t.timestamp, (c) => c.notNull())
        .addColumn("finished_at", t.timestamp)
        .addColumn("outcome", t.text, (c) => c.notNull()) // running | ok | failed
        .addColumn("error", t.text)
        .addColumn("instance", t.text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("job_runs_name_idx").on("job_runs").columns(["name", "started_at"]).execute();
      await db.schema.createIndex("job_runs_started_idx").on("job_runs").columns(["started_at"]).execute();

      await db.schema
        .createTable("backups")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("status", t.text, (c) => c.notNull()) // running | ok | failed
        .addColumn("trigger", t.text, (c) => c.notNull()) // api | schedule | cli
        .addColumn("started_at", t.timestamp, (c) => c.notNull())
        .addColumn("finished_at", t.timestamp)
        .addColumn("file", t.text)
        .addColumn("size_bytes", t.bigint)
        .addColumn("sha256", t.text)
        .addColumn("error", t.text)
        .addColumn("actor_id", t.id)
        .addColumn("instance", t.text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("backups_started_idx").on("backups").columns(["started_at"]).execute();

      await db.schema
        .createTable("retention_rules")
        .addColumn("kind", t.text, (c) => c.primaryKey())
        .addColumn("keep_days", t.integer) // null: keep forever
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_by", t.id)
        .execute();

      // One row (id = 1): the last purged audit entry. Verification starts after it.
      await db.schema
        .createTable("audit_checkpoint")
        .addColumn("id", t.integer, (c) => c.primaryKey())
        .addColumn("seq", t.bigint, (c) => c.notNull())
        .addColumn("hash", t.text, (c) => c.notNull())
        .addColumn("at", t.timestamp, (c) => c.notNull())
        .addColumn("purged_at", t.timestamp, (c) => c.notNull())
        .execute();
    },
  };
}
