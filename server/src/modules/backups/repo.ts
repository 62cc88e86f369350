import type { Queryable } from "../../db/index.ts";
import { afterKey } from "../../db/pagination.ts";
import type { BackupsTable } from "../../db/schema.ts";

export const backupsRepo = {
  async insert(db: Queryable, row: BackupsTable): Promise<void> {
    await db.insertInto("backups").values(row).execute();
  },

  async finish(db: Queryable, id: string, changes: Partial<BackupsTable>): Promise<void> {
    await db
      .updateTable("backups")
      .set({ ...changes, finished_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  },

  get(db: Queryable, id: string) {
    return db.selectFrom("backups").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** Newest first; keyset on (started_at, id). */
  list(db: Queryable, before: readonly [string, string] | undefined, limit: number) {
    let q = db.selectFrom("backups").selectAll();
    if (before) {
      q = q.where(afterKey("started_at", before, "desc"));
    }
    return q.orderBy("started_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** A backup marked running that started after `since` (older ones died with their process). */
  runningSince(db: Queryable, since: string) {
    return db
      .selectFrom("backups")
      .select("id")
      .where("status", "=", "running")
      .where("started_at", ">", since)
      .executeTakeFirst();
  },
};
