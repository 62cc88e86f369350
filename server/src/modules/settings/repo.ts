import type { Queryable } from "../../db/index.ts";

export const settingsRepo = {
  async get(db: Queryable, key: string): Promise<string | undefined> {
    const row = await db.selectFrom("settings").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value;
  },

  /** Inserts unless the key exists; true when this call inserted it. */
  async insertIfAbsent(db: Queryable, key: string, value: string): Promise<boolean> {
    const result = await db
      .insertInto("settings")
      .values({ key, value, updated_at: new Date().toISOString() })
      .onConflict((oc) => oc.column("key").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  },
};
