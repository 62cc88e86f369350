import { sql } from "kysely";
import { liveTables } from "../../db/catalogue.ts";
import type { Db, Queryable } from "../../db/index.ts";

/** A column that names the user who did something: `created_by`, `performed_by`, `user_id`, `actor_id` … */
export const USER_REFERENCE = /^(user_id|actor_id|assigned_to|assignee_id|[a-z_]+_by|[a-z_]+_user_id)$/;
/** Columns never exported, whatever table they are in. */
export const SECRET_COLUMN = /password|secret|token/;
/** At most this many rows per table and column in one export, so a Pi never runs out of memory. */
export const EXPORT_ROW_LIMIT = 100_000;

export const privacyRepo = {
  /**
   * Every (table, column) in the live schema that refers to a user, read from the database
   * catalogue, so tables added by later migrations are covered without touching this code.
   */
  async userReferenceColumns(db: Db): Promise<{ table: string; column: string }[]> {
    return (await liveTables(db)).flatMap((t) =>
      t.columns.filter((column) => USER_REFERENCE.test(column)).map((column) => ({ table: t.name, column })),
    );
  },

  /** Rows of `table` where `column` is the user, secrets dropped. One more than the limit tells of truncation. */
  async rowsOf(db: Queryable, table: string, column: string, userId: string): Promise<Record<string, unknown>[]> {
    const result = await sql<Record<string, unknown>>`
      select * from ${sql.table(table)} where ${sql.ref(column)} = ${userId} limit ${EXPORT_ROW_LIMIT + 1}`.execute(db);
    return result.rows.map((row) =>
      Object.fromEntries(Object.entries(row).filter(([key]) => !SECRET_COLUMN.test(key))),
    );
  },

  async isUsernameTaken(db: Queryable, usernameKey: string): Promise<boolean> {
    const row = await db.selectFrom("users").select("id").where("username_key", "=", usernameKey).executeTakeFirst();
    return row !== undefined;
  },

  /** Revokes the user's sessions and forgets where they came from (device and address are personal data). */
  async forgetSessions(db: Queryable, userId: string, now: string): Promise<void> {
    await db.updateTable("sessions").set({ user_agent: null, ip: null }).where("user_id", "=", userId).execute();
    await db
      .updateTable("sessions")
      .set({ revoked_at: now, revoked_reason: "anonymised" })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
  },
};
