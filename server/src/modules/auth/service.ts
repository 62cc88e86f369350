import DataLoader from "dataloader";
import { z } from "zod";
import type { Actor, RequestContext } from "../../access/context.ts";
import { verifyAgainstDummy, verifyPassword } from "../../access/passwords.ts";
import { isRole } from "../../access/permissions.ts";
import { FailureThrottle } from "../../access/throttle.ts";
import { hashRefreshToken, newRefreshToken, type TokenSigner } from "../../access/tokens.ts";
import type { Config } from "../../config.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { toBool } from "../../db/schema.ts";
import { AppError, forbidden, rateLimited, unauthenticated, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import { usersRepo } from "../users/repo.ts";
import { LOCALES, passwordSchema, usernameSchema, type User, type UserService } from "../users/service.ts";
import { sessionsRepo } from "./repo.ts";

export interface TokenPair {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  refresh_token: string;
  /**
   * An admin reset the password: until the user sets a new one (`POST /api/v1/me/password`), this
   * token only reaches `me`, their sessions, the password change and logout (403 PASSWORD_CHANGE_REQUIRED).
   */
  password_change_required: boolean;
}

const loginSchema = z.strictObject({
  username: z.string().min(1, "is required").max(64),
  password: z.string().min(1, "is required").max(256),
  // OAuth2 password-grant forms carry these; they are accepted and ignored.
  grant_type: z.literal("password").optional(),
  scope: z.string().max(200).optional(),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(200).optional(),
});

const refreshSchema = z.strictObject({ refresh_token: z.string().min(1, "is required").max(200) });
const logoutSchema = z.strictObject({ refresh_token: z.string().min(1).max(200).optional() });

const registerSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  full_name: z.string().trim().min(1).max(200).nullish(),
  email: z.email().max(254).nullish(),
  locale: z.enum(LOCALES).optional(),
});

const INVALID_CREDENTIALS = "Invalid username or password";

function accountLocked(until: string): AppError {
  const seconds = Math.max(1, Math.ceil((Date.parse(until) - Date.now()) / 1000));
  return new AppError(429, "ACCOUNT_LOCKED", "Too many failed logins; the account is locked for a while", [], {
    "retry-after": String(seconds),
  });
}

type SessionWithUser = Awaited<ReturnType<typeof sessionsRepo.findSessionsWithUsers>>[number];

export class AuthService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #users: UserService;
  readonly #signer: TokenSigner;
  readonly #config: Config;
  readonly #ipThrottle: FailureThrottle;
  /**
   * On PostgreSQL, the sessions of requests arriving together are read in one query: every
   * authenticated request needs its session, and fifty concurrent ones would otherwise queue
   * for the pool one round trip each. Nothing is cached: each request sees its session as
   * stored when its batch is read. (SQLite answers in microseconds: read directly.)
   */
  readonly #sessions: DataLoader<string, SessionWithUser | undefined> | undefined;

  constructor(db: Db, audit: AuditService, users: UserService, signer: TokenSigner, config: Config) {
    this.#db = db;
    this.#audit = audit;
    this.#users = users;
    this.#signer = signer;
    this.#config = config;
    this.#ipThrottle = new FailureThrottle(config.loginIpMaxFailures, 15 * 60_000);
    this.#sessions =
      db.dialect === "postgres"
        ? new DataLoader(
            async (ids) => {
              const rows = await sessionsRepo.findSessionsWithUsers(this.#db.kysely, ids);
              const byId = new Map(rows.map((row) => [row.session_id, row]));
              return ids.map((id) => byId.get(id));
            },
            // After the current I/O phase, so requests read from sockets together share the query.
            { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
          )
        : undefined;
  }

  /** Checks a password, counts failures, locks the account after too many, audits every outcome. */
  async login(ctx: RequestContext, input: unknown): Promise<TokenPair> {
    const { username, password } = parseInput(loginSchema, input);
    const ipKey = ctx.ip ?? "unknown";
    const wait = this.#ipThrottle.retryAfter(ipKey);
    if (wait > 0) throw rateLimited("Too many failed logins from this address; try again later", wait);

    const user = await usersRepo.findByUsername(this.#db.kysely, username);
    const now = new Date();
    if (!user) {
      await verifyAgainstDummy(password);
      return this.#fail(ctx, ipKey, null, { username: [null, username], reason: [null, "unknown_user"] });
    }
    if (user.locked_until && user.locked_until > now.toISOString()) {
      await this.#audit.recordAlone(ctx, {
        action: "auth.login_failed",
        entity_type: "user",
        entity_id: user.id,
        changes: { reason: [null, "locked"] },
      });
      throw accountLocked(user.locked_until);
    }
    if (!(await verifyPassword(user.password_hash, password))) {
      return this.#fail(ctx, ipKey, user.id, { reason: [null, "wrong_password"] });
    }
    if (!toBool(user.active)) {
      return this.#fail(ctx, ipKey, user.id, { reason: [null, "inactive"] });
    }

    return transaction(this.#db, async (trx) => {
      const at = now.toISOString();
      await usersRepo.update(trx, user.id, { failed_login_count: 0, locked_until: null, last_login_at: at });
      const pair = await this.#startSession(trx, ctx, user.id, user.role, now, toBool(user.must_change_password));
      await this.#audit.record(trx, ctx, {
        action: "auth.login",
        entity_type: "user",
        entity_id: user.id,
        actor_id: user.id,
        changes: { last_login_at: [user.last_login_at, at] },
      });
      return pair;
    });
  }

  async #fail(
    ctx: RequestContext,
    ipKey: string,
    userId: string | null,
    changes: Record<string, [unknown, unknown]>,
  ): Promise<never> {
    this.#ipThrottle.fail(ipKey);
    const lockedUntil = await transaction(this.#db, async (trx) => {
      let until: string | null = null;
      if (userId) {
        const failures = await usersRepo.incrementFailedLogins(trx, userId);
        changes.failed_login_count = [failures - 1, failures];
        if (failures >= this.#config.loginMaxFailures) {
          until = new Date(Date.now() + this.#config.lockoutMinutes * 60_000).toISOString();
          await usersRepo.update(trx, userId, { locked_until: until, failed_login_count: 0 });
          changes.locked_until = [null, until];
        }
      }
      await this.#audit.record(trx, ctx, {
        action: "auth.login_failed",
        entity_type: "user",
        entity_id: userId,
        changes,
      });
      return until;
    });
    if (lockedUntil) throw accountLocked(lockedUntil);
    throw unauthenticated(INVALID_CREDENTIALS);
  }

  /** Rotates a refresh token. Presenting a spent one revokes the whole session (token family). */
  async refresh(ctx: RequestContext, input: unknown): Promise<TokenPair> {
    const { refresh_token } = parseInput(refreshSchema, input);
    const found = await sessionsRepo.findRefreshToken(this.#db.kysely, hashRefreshToken(refresh_token));
    if (!found) throw unauthenticated("Invalid refresh token");
    const now = new Date();
    const at = now.toISOString();

    const outcome = await transaction(this.#db, async (trx): Promise<TokenPair | "reused" | "revoked"> => {
      if (found.revoked_at) return "revoked";
      if (found.used_at || !(await sessionsRepo.spendRefreshToken(trx, found.token_id, at))) {
        await sessionsRepo.revokeSession(trx, found.session_id, at, "refresh_token_reuse");
        await this.#audit.record(trx, ctx, {
          action: "auth.refresh_reuse",
          entity_type: "session",
          entity_id: found.session_id,
          actor_id: found.user_id,
          changes: { revoked_at: [null, at] },
        });
        return "reused";
      }
      if (found.token_expires_at <= at) throw unauthenticated("Refresh token expired");
      if (!toBool(found.active)) throw unauthenticated("Account is deactivated");
      const pair = await this.#issue(
        trx,
        found.session_id,
        found.user_id,
        found.role,
        now,
        toBool(found.must_change_password),
      );
      await this.#audit.record(trx, ctx, {
        action: "auth.refresh",
        entity_type: "session",
        entity_id: found.session_id,
        actor_id: found.user_id,
      });
      return pair;
    });
    if (outcome === "reused") throw unauthenticated("Refresh token was already used; the session has been revoked");
    if (outcome === "revoked") throw unauthenticated("Session has been revoked");
    return outcome;
  }

  /** Ends the session of the given refresh token, or else the caller's current session. */
  async logout(ctx: RequestContext, input: unknown): Promise<void> {
    const { refresh_token } = parseInput(logoutSchema, input);
    let sessionId: string;
    let userId: string;
    if (refresh_token) {
      const found = await sessionsRepo.findRefreshToken(this.#db.kysely, hashRefreshToken(refresh_token));
      if (!found) throw unauthenticated("Invalid refresh token");
      if (ctx.actor && ctx.actor.id !== found.user_id) throw forbidden("That refresh token belongs to another user");
      sessionId = found.session_id;
      userId = found.user_id;
    } else if (ctx.actor) {
      sessionId = ctx.actor.sessionId;
      userId = ctx.actor.id;
    } else {
      throw ctx.authError ?? unauthenticated("Log out needs an access token or a refresh token");
    }
    await transaction(this.#db, async (trx) => {
      const at = new Date().toISOString();
      if (await sessionsRepo.revokeSession(trx, sessionId, at, "logout")) {
        await this.#audit.record(trx, ctx, {
          action: "auth.logout",
          entity_type: "session",
          entity_id: sessionId,
          actor_id: userId,
          changes: { revoked_at: [null, at] },
        });
      }
    });
  }

  /** Self-registration: off unless HOM_ALLOW_SIGNUP=true, and then only ever a viewer. */
  async register(ctx: RequestContext, input: unknown): Promise<User> {
    if (!this.#config.allowSignup) throw forbidden("Sign-up is disabled on this server; ask an administrator");
    if (input && typeof input === "object" && "role" in input) {
      throw validationFailed([
        { field: "role", message: "cannot be chosen at sign-up; new accounts are viewers", code: "forbidden_field" },
      ]);
    }
    const fields = parseInput(registerSchema, input);
    return this.#users.createUnchecked(ctx, { ...fields, role: "viewer", active: true }, "self");
  }

  /** Resolves a bearer token to the actor, checking the session and the user as they are now. */
  async authenticate(token: string): Promise<Actor> {
    const claims = await this.#signer.verify(token);
    const found = this.#sessions
      ? await this.#sessions.load(claims.sid)
      : await sessionsRepo.findSessionWithUser(this.#db.kysely, claims.sid, claims.sub);
    // The session must be the token's user's (the single query asks for both).
    const row = found && (!("user_id" in found) || found.user_id === claims.sub) ? found : undefined;
    if (!row || row.revoked_at) throw unauthenticated("Session has ended; log in again");
    if (!toBool(row.active)) throw unauthenticated("Account is deactivated");
    if (!isRole(row.role)) throw unauthenticated("Account has an unknown role");
    return {
      id: row.id,
      username: row.username,
      role: row.role,
      sessionId: claims.sid,
      mustChangePassword: toBool(row.must_change_password),
    };
  }

  async #startSession(
    trx: Tx,
    ctx: RequestContext,
    userId: string,
    role: string,
    now: Date,
    mustChangePassword: boolean,
  ): Promise<TokenPair> {
    const sessionId = newId();
    await sessionsRepo.insertSession(trx, {
      id: sessionId,
      user_id: userId,
      created_at: now.toISOString(),
      last_used_at: now.toISOString(),
      expires_at: this.#refreshExpiry(now),
      revoked_at: null,
      revoked_reason: null,
      user_agent: ctx.userAgent?.slice(0, 300) ?? null,
      ip: ctx.ip ?? null,
    });
    return this.#issue(trx, sessionId, userId, role, now, mustChangePassword);
  }

  async #issue(
    trx: Tx,
    sessionId: string,
    userId: string,
    role: string,
    now: Date,
    mustChangePassword: boolean,
  ): Promise<TokenPair> {
    const refreshToken = newRefreshToken();
    const expiresAt = this.#refreshExpiry(now);
    await sessionsRepo.insertRefreshToken(trx, {
      id: newId(),
      session_id: sessionId,
      token_hash: hashRefreshToken(refreshToken),
      created_at: now.toISOString(),
      expires_at: expiresAt,
      used_at: null,
    });
    await sessionsRepo.touchSession(trx, sessionId, now.toISOString(), expiresAt);
    return {
      access_token: await this.#signer.sign({ sub: userId, sid: sessionId, role }),
      token_type: "bearer",
      expires_in: this.#signer.ttlSeconds,
      refresh_token: refreshToken,
      password_change_required: mustChangePassword,
    };
  }

  #refreshExpiry(now: Date): string {
    return new Date(now.getTime() + this.#config.refreshTokenTtlDays * 86_400_000).toISOString();
  }
}
