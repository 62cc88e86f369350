import type { Queryable } from "../../db/index.ts";
import type { RefreshTokensTable, SessionsTable } from "../../db/schema.ts";

export const sessionsRepo = {
  async insertSession(db: Queryable, row: SessionsTable): Promise<void> {
    await db.insertInto("sessions").values(row).execute();
  },

  async insertRefreshToken(db: Queryable, row: RefreshTokensTable): Promise<void> {
    await db.insertInto("refresh_tokens").values(row).execute();
  },

  /** The refresh token with its session and user, by the token's hash. */
  findRefreshToken(db: Queryable, tokenHash: string) {
    return db
      .selectFrom("refresh_tokens as t")
      .innerJoin("sessions as s", "s.id", "t.session_id")
      .innerJoin("users as u", "u.id", "s.user_id")
      .select([
        "t.id as token_id",
        "t.expires_at as token_expires_at",
        "t.used_at",
        "s.id as session_id",
        "s.revoked_at",
        "u.id as user_id",
        "u.username",
        "u.role",
        "u.active",
        "u.must_change_password",
      ])
      .where("t.token_hash", "=", tokenHash)
      .executeTakeFirst();
  },

  /** Several sessions at once (authentication of concurrent requests), with their user's fields. */
  findSessionsWithUsers(db: Queryable, sessionIds: readonly string[]) {
    return db
      .selectFrom("sessions as s")
      .innerJoin("users as u", "u.id", "s.user_id")
      .select([
        "s.id as session_id",
        "s.user_id",
        "s.revoked_at",
        "s.expires_at",
        "u.id",
        "u.username",
        "u.role",
        "u.active",
        "u.must_change_password",
      ])
      .where("s.id", "in", sessionIds)
      .execute();
  },

  /** The session behind an access token, with the fields authentication needs. */
  findSessionWithUser(db: Queryable, sessionId: string, userId: string) {
    return db
      .selectFrom("sessions as s")
      .innerJoin("users as u", "u.id", "s.user_id")
      .select(["s.revoked_at", "s.expires_at", "u.id", "u.username", "u.role", "u.active", "u.must_change_password"])
      .where("s.id", "=", sessionId)
      .where("s.user_id", "=", userId)
      .executeTakeFirst();
  },

  /** Marks a refresh token spent, only if nobody did first. True when this call won. */
  async spendRefreshToken(db: Queryable, tokenId: string, now: string): Promise<boolean> {
    const result = await db
      .updateTable("refresh_tokens")
      .set({ used_at: now })
      .where("id", "=", tokenId)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async touchSession(db: Queryable, sessionId: string, now: string, expiresAt: string): Promise<void> {
    await db
      .updateTable("sessions")
      .set({ last_used_at: now, expires_at: expiresAt })
      .where("id", "=", sessionId)
      .execute();
  },

  async revokeSession(db: Queryable, sessionId: string, now: string, reason: string): Promise<boolean> {
    const result = await db
      .updateTable("sessions")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("id", "=", sessionId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** Revokes the user's live sessions, but `keepSessionId` if given. Returns how many ended. */
  async revokeAllOfUser(
    db: Queryable,
    userId: string,
    now: string,
    reason: string,
    keepSessionId?: string,
  ): Promise<number> {
    let q = db
      .updateTable("sessions")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null);
    if (keepSessionId) q = q.where("id", "!=", keepSessionId);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  /** The user's sessions that still work (not revoked, not expired), newest use first. */
  listLive(db: Queryable, userId: string, now: string) {
    return db
      .selectFrom("sessions")
      .select(["id", "user_id", "created_at", "last_used_at", "expires_at", "user_agent", "ip"])
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .orderBy("last_used_at", "desc")
      .orderBy("id", "desc")
      .limit(500)
      .execute();
  },

  findSession(db: Queryable, sessionId: string) {
    return db.selectFrom("sessions").selectAll().where("id", "=", sessionId).executeTakeFirst();
  },
};
