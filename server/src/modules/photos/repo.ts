import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import { afterKey } from "../../db/pagination.ts";
import type { PhotosTable } from "../../db/schema.ts";

export type PhotoRow = Selectable<PhotosTable>;

export const photosRepo = {
  /** A photo that has not been deleted. */
  findById(db: Queryable, id: string) {
    return db.selectFrom("photos").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
  },

  async insert(db: Queryable, row: Insertable<PhotosTable>): Promise<void> {
    await db.insertInto("photos").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<PhotosTable>): Promise<void> {
    await db.updateTable("photos").set(patch).where("id", "=", id).execute();
  },

  /**
   * Sets the annotations if they are still at `version`; false when another writer got there
   * first (the caller re-reads and retries, so concurrent saves are serialised, none lost from the audit).
   */
  async updateAnnotations(
    db: Queryable,
    id: string,
    version: number,
    patch: Pick<Updateable<PhotosTable>, "annotations" | "annotated_by" | "annotated_at" | "updated_at">,
  ): Promise<boolean> {
    const result = await db
      .updateTable("photos")
      .set({ ...patch, annotations_version: version + 1 })
      .where("id", "=", id)
      .where("annotations_version", "=", version)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** A record's photos, newest first, after the keyset position `before` ([created_at, id]). */
  listByEntity(db: Queryable, entityType: string, entityId: string, limit: number, before?: readonly [string, string]) {
    let q = db
      .selectFrom("photos")
      .selectAll()
      .where("entity_type", "=", entityType)
      .where("entity_id", "=", entityId)
      .where("deleted_at", "is", null);
    if (before) q = q.where(afterKey("created_at", before, "desc"));
    return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** The photos of several records of one kind (GraphQL's `photos` field), newest first. */
  listByEntities(db: Queryable, entityType: string, entityIds: readonly string[]) {
    return db
      .selectFrom("photos")
      .selectAll()
      .where("entity_type", "=", entityType)
      .where("entity_id", "in", entityIds)
      .where("deleted_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
  },
};
