import { z } from "zod";
import { authorize, requireSignedIn, type Actor, type RequestContext } from "../../access/context.ts";
import { transaction, type Db } from "../../db/index.ts";
import { notFound } from "../../errors.ts";
import { parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import { sessionsRepo } from "../auth/repo.ts";
import { usersRepo } from "../users/repo.ts";

/** A signed-in device: one refresh-token family (docs/security.md, "Sessions"). */
export interface Session {
  id: string;
  user_id: string;
  created_at: string;
  /** The last login or token refresh (a refresh happens every access-token lifetime while in use). */
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  /** The session the request came with. */
  current: boolean;
}

const revokeAllSchema = z.strictObject({
  /** Keep the caller's own session (default when revoking one's own). */
  keep_current: z.boolean().optional(),
});

/**
 * Lists and ends sessions. A user manages their own (even during a forced password reset, so a
 * stolen tablet can be logged out at once); admins (`users:write`) manage anyone's. Revocation is
 * checked on every request (AuthService.authenticate), so it holds from the next request on.
 */
export class SessionService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async list(ctx: RequestContext, userId: string): Promise<Session[]> {
    const actor = this.#mayManage(ctx, userId);
    await this.#userExists(userId);
    const rows = await sessionsRepo.listLive(this.#db.kysely, userId, new Date().toISOString());
    return rows.map((r) => ({ ...r, current: r.id === actor.sessionId }));
  }

  /** Ends one session of the user. 404 when it is not theirs or not found. */
  async revoke(ctx: RequestContext, userId: string, sessionId: string): Promise<void> {
    this.#mayManage(ctx, userId);
    await transaction(this.#db, async (trx) => {
      const session = await sessionsRepo.findSession(trx, sessionId);
      if (!session || session.user_id !== userId) throw notFound("Session");
      const at = new Date().toISOString();
      if (await sessionsRepo.revokeSession(trx, sessionId, at, "revoked")) {
        await this.#audit.record(trx, ctx, {
          action: "session.revoke",
          entity_type: "session",
          entity_id: sessionId,
          changes: { user_id: [null, userId], revoked_at: [null, at] },
        });
      }
    });
  }

  /**
   * Ends all sessions of the user but the caller's current one (for one's own sessions by default,
   * `keep_current: false` ends that too). Returns how many ended.
   */
  async revokeAll(ctx: RequestContext, userId: string, input: unknown): Promise<{ revoked: number }> {
    const actor = this.#mayManage(ctx, userId);
    const { keep_current = true } = parseInput(revokeAllSchema, input);
    await this.#userExists(userId);
    const keep = keep_current && actor.id === userId ? actor.sessionId : undefined;
    const revoked = await transaction(this.#db, async (trx) => {
      const at = new Date().toISOString();
      const n = await sessionsRepo.revokeAllOfUser(trx, userId, at, "revoked", keep);
      if (n > 0) {
        await this.#audit.record(trx, ctx, {
          action: "session.revoke_all",
          entity_type: "user",
          entity_id: userId,
          changes: { sessions_revoked: [null, n], kept_current: [null, keep !== undefined] },
        });
      }
      return n;
    });
    return { revoked };
  }

  #mayManage(ctx: RequestContext, userId: string): Actor {
    const actor = requireSignedIn(ctx);
    if (actor.id === userId) return actor;
    return authorize(ctx, "users:write");
  }

  async #userExists(userId: string): Promise<void> {
    if (!(await usersRepo.findById(this.#db.kysely, userId))) throw notFound("User");
  }
}
