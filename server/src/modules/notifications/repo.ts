import type { Insertable, Selectable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { EmailOutboxTable, NotificationsTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type NotificationRow = Selectable<NotificationsTable>;
export type OutboxRow = Selectable<EmailOutboxTable>;

export const notificationsRepo = {
  /**
   * Inserts notifications; one whose `dedupe_key` is already taken (a reminder sent before, or
   * by another instance at the same moment) is skipped. Returns the rows actually inserted.
   */
  async insertNew(db: Queryable, rows: Insertable<NotificationsTable>[]): Promise<Insertable<NotificationsTable>[]> {
    const inserted: Insertable<NotificationsTable>[] = [];
    for (const row of rows) {
      const result = await db
        .insertInto("notifications")
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) inserted.push(row);
    }
    return inserted;
  },

  findById(db: Queryable, id: string) {
    return db.selectFrom("notifications").selectAll().where("id", "=", id).executeTakeFirst();
  },

  listOfUser(db: Queryable, userId: string, filter: { unread?: boolean; before?: [string, string] }, limit: number) {
    let q = db.selectFrom("notifications").selectAll().where("user_id", "=", userId);
    if (filter.unread) q = q.where("read_at", "is", null);
    if (filter.before) q = q.where(afterKey("created_at", filter.before, "desc"));
    return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  async unreadCount(db: Queryable, userId: string): Promise<number> {
    const row = await db
      .selectFrom("notifications")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .where("read_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** Marks one of the user's notifications read; false when it was read already. */
  async markRead(db: Queryable, userId: string, id: string, at: string): Promise<boolean> {
    const result = await db
      .updateTable("notifications")
      .set({ read_at: at })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("read_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async markAllRead(db: Queryable, userId: string, at: string): Promise<number> {
    const result = await db
      .updateTable("notifications")
      .set({ read_at: at })
      .where("user_id", "=", userId)
      .where("read_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  preferencesOf(db: Queryable, userIds: readonly string[]) {
    if (userIds.length === 0) return Promise.resolve([]);
    return db.selectFrom("notification_preferences").selectAll().where("user_id", "in", userIds).execute();
  },

  async setPreference(db: Queryable, userId: string, kind: string, email: boolean, at: string): Promise<void> {
    await db
      .insertInto("notification_preferences")
      .values({ user_id: userId, kind, email, updated_at: at })
      .onConflict((oc) => oc.columns(["user_id", "kind"]).doUpdateSet({ email, updated_at: at }))
      .execute();
  },

  /**
   * Active users with these roles (the audience of plant-wide notices). Ordered by id, like
   * `usersByIds`: their notifications are inserted in this order, and two transactions taking
   * the same index entries in the same order cannot deadlock each other on PostgreSQL.
   */
  activeUsersWithRoles(db: Queryable, roles: readonly string[]) {
    return db
      .selectFrom("users")
      .select(["id", "email", "full_name", "username"])
      .where("role", "in", roles)
      .where("active", "=", true)
      .orderBy("id")
      .execute();
  },

  usersByIds(db: Queryable, ids: readonly string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom("users").select(["id", "email", "active"]).where("id", "in", ids).orderBy("id").execute();
  },
};

export const outboxRepo = {
  async insert(db: Queryable, rows: Insertable<EmailOutboxTable>[]): Promise<void> {
    if (rows.length > 0) await db.insertInto("email_outbox").values(rows).execute();
  },

  /** Mails whose next attempt is due, soonest first. */
  due(db: Queryable, now: string, limit: number) {
    return db
      .selectFrom("email_outbox")
      .selectAll()
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .orderBy("id")
      .limit(limit)
      .execute();
  },

  /**
   * Takes a mail for one attempt by moving its next attempt on by a lease: of two senders (two
   * instances, or the timer and a kick) only the one that still sees the old time gets it.
   */
  async claim(db: Queryable, row: OutboxRow, leaseUntil: string): Promise<boolean> {
    const result = await db
      .updateTable("email_outbox")
      .set({ next_attempt_at: leaseUntil })
      .where("id", "=", row.id)
      .where("status", "=", "pending")
      .where("next_attempt_at", "=", row.next_attempt_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async markSent(db: Queryable, id: string, attempts: number, at: string): Promise<void> {
    await db
      .updateTable("email_outbox")
      .set({ status: "sent", attempts, sent_at: at, last_error: null })
      .where("id", "=", id)
      .execute();
  },

  async markFailed(db: Queryable, id: string, attempts: number, error: string, next: string | null): Promise<void> {
    await db
      .updateTable("email_outbox")
      .set(
        next === null
          ? { status: "failed", attempts, last_error: error }
          : { attempts, last_error: error, next_attempt_at: next },
      )
      .where("id", "=", id)
      .execute();
  },

  findById(db: Queryable, id: string) {
    return db.selectFrom("email_outbox").selectAll().where("id", "=", id).executeTakeFirst();
  },
};
