import type { Queryable } from "../../db/index.ts";

/** The plant's default language of new accounts (written by the settings service, read by users). */
export const PLANT_DEFAULT_LOCALE_KEY = "plant.default_locale";

export const settingsRepo = {
  async get(db: Queryable, key: string): Promise<string | undefined> {
    const row = await db.selectFrom("settings").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value;
  },

  /** The rows whose keys are listed (absent keys are simply missing). */
  async many(db: Queryable, keys: readonly string[]): Promise<{ key: string; value: string; updated_at: string }[]> {
    if (keys.length === 0) return [];
    return db.selectFrom("settings").select(["key", "value", "updated_at"]).where("key", "in", keys).execute();
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

  /** Insert or replace one key (one statement, so two writers never both insert). */
  async upsert(db: Queryable, key: string, value: string, at: string): Promise<void> {
    await db
      .insertInto("settings")
      .values({ key, value, updated_at: at })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: at }))
      .execute();
  },

  async remove(db: Queryable, key: string): Promise<void> {
    await db.deleteFrom("settings").where("key", "=", key).execute();
  },
};
