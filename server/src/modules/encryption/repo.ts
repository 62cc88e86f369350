import type { Queryable } from "../../db/index.ts";
import { afterKey } from "../../db/pagination.ts";
import type { KeyRotationsTable } from "../../db/schema.ts";

export const rotationsRepo = {
  async insert(db: Queryable, row: KeyRotationsTable): Promise<void> {
    await db.insertInto("key_rotations").values(row).execute();
  },

  async update(db: Queryable, id: string, changes: Partial<KeyRotationsTable>): Promise<void> {
    await db
      .updateTable("key_rotations")
      .set({ ...changes, updated_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  },

  get(db: Queryable, id: string) {
    return db.selectFrom("key_rotations").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** The newest rotation from one key to another that has not finished (to resume it). */
  unfinished(db: Queryable, fromKeyId: string, toKeyId: string) {
    return db
      .selectFrom("key_rotations")
      .selectAll()
      .where("from_key_id", "=", fromKeyId)
      .where("to_key_id", "=", toKeyId)
      .where("status", "!=", "done")
      .orderBy("started_at", "desc")
      .executeTakeFirst();
  },

  /** Any rotation not done (running, failed or interrupted): its two keys are both in play. */
  unfinishedAny(db: Queryable) {
    return db.selectFrom("key_rotations").select("id").where("status", "!=", "done").executeTakeFirst();
  },

  lastDone(db: Queryable) {
    return db
      .selectFrom("key_rotations")
      .select("to_key_id")
      .where("status", "=", "done")
      .orderBy("finished_at", "desc")
      .executeTakeFirst();
  },

  /** The encrypted photo stored last (deleted or not: its objects are kept). */
  newestEncryptedPhoto(db: Queryable) {
    return db
      .selectFrom("photos")
      .select("storage_key")
      .where("encrypted", "=", true)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
  },

  running(db: Queryable) {
    return db.selectFrom("key_rotations").selectAll().where("status", "=", "running").executeTakeFirst();
  },

  /** Newest first; keyset on (started_at, id). */
  list(db: Queryable, before: readonly [string, string] | undefined, limit: number) {
    let q = db.selectFrom("key_rotations").selectAll();
    if (before) q = q.where(afterKey("started_at", before, "desc"));
    return q.orderBy("started_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** Encrypted photos after `afterId`, in id order, deleted ones too (their objects are kept). */
  photosAfter(db: Queryable, afterId: string | null, limit: number) {
    let q = db.selectFrom("photos").select(["id", "storage_key"]).where("encrypted", "=", true);
    if (afterId) q = q.where("id", ">", afterId);
    return q.orderBy("id").limit(limit).execute();
  },

  async countPhotos(db: Queryable): Promise<number> {
    const row = await db
      .selectFrom("photos")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("encrypted", "=", true)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
