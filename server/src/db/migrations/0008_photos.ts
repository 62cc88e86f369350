import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/**
 * Photos (SPEC §10). A photo belongs to exactly one record of one kind; the pair
 * (entity_type, entity_id) is not a foreign key because it points into seven tables, so the
 * service checks it on upload. The image bytes are in the object store; this row holds what is
 * known about them, the annotations (vector shapes, JSON) and the soft-delete mark.
 */
export function photos(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("photos")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("entity_type", t.text, (c) => c.notNull())
        .addColumn("entity_id", t.id, (c) => c.notNull())
        .addColumn("caption", t.text)
        .addColumn("angle", t.text)
        .addColumn("format", t.text, (c) => c.notNull())
        .addColumn("sha256", t.text, (c) => c.notNull())
        .addColumn("byte_size", t.integer, (c) => c.notNull())
        .addColumn("width", t.integer, (c) => c.notNull())
        .addColumn("height", t.integer, (c) => c.notNull())
        .addColumn("display_width", t.integer, (c) => c.notNull())
        .addColumn("display_height", t.integer, (c) => c.notNull())
        .addColumn("taken_at", t.timestamp)
        .addColumn("storage_key", t.text, (c) => c.notNull())
        .addColumn("encrypted", t.boolean, (c) => c.notNull())
        .addColumn("annotations", t.json, (c) => c.notNull())
        .addColumn("annotations_version", t.integer, (c) => c.notNull())
        .addColumn("annotated_by", t.id, (c) => c.references("users.id"))
        .addColumn("annotated_at", t.timestamp)
        .addColumn("created_by", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addColumn("deleted_at", t.timestamp)
        .addColumn("deleted_by", t.id, (c) => c.references("users.id"))
        .execute();
      // A record's photos, newest first; deleted ones are left out of the index.
      await db.schema
        .createIndex("photos_entity_idx")
        .on("photos")
        .columns(["entity_type", "entity_id", "created_at", "id"])
        .where(sql.ref("deleted_at"), "is", null)
        .execute();
    },
  };
}
