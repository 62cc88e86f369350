import { randomBytes } from "node:crypto";
import { z } from "zod";
import { authorize, requireActor, requireSignedIn, type RequestContext } from "../../access/context.ts";
import { PASSWORD_MAX_LENGTH, passwordProblems } from "../../access/password-policy.ts";
import { hashPassword, verifyPassword } from "../../access/passwords.ts";
import { FailureThrottle } from "../../access/throttle.ts";
import { permissionsOf, ROLES, type Permission } from "../../access/permissions.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { AppError, conflict, notFound, rateLimited, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { sessionsRepo } from "../auth/repo.ts";
import { PLANT_DEFAULT_LOCALE_KEY, settingsRepo } from "../settings/repo.ts";
import { usersRepo, type UserRow } from "./repo.ts";

export const LOCALES = ["en", "pl", "ru"] as const;

/** A user as the API shows it: never the password hash or lockout counters. */
export interface User {
  id: string;
  username: string;
  full_name: string | null;
  email: string | null;
  role: string;
  active: boolean;
  locale: string;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  /** An admin-forced reset is pending: the user must choose a new password at the next login. */
  must_change_password: boolean;
  anonymised_at: string | null;
}

/** What colleagues see of an account: who it is, not how to reach or log in as it. */
export interface Person {
  id: string;
  username: string;
  full_name: string | null;
  /** The full name, else the username: what a list or a card shows. */
  name: string;
}

const toPerson = (row: Pick<UserRow, "id" | "username" | "full_name">): Person => ({
  id: row.id,
  username: row.username,
  full_name: row.full_name,
  name: row.full_name ?? row.username,
});

export const PEOPLE_LIMIT = 500;
const peopleSchema = z.strictObject({ q: z.string().max(100).optional() });

export function publicUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    full_name: row.full_name,
    email: row.email,
    role: row.role,
    active: toBool(row.active),
    locale: row.locale,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_login_at: row.last_login_at,
    must_change_password: toBool(row.must_change_password),
    anonymised_at: row.anonymised_at ?? null,
  };
}

export const usernameSchema = z
  .string()
  .trim()
  .min(3, "must be at least 3 characters")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9._@-]+$/, "may contain letters, digits and . _ @ - only");
/** A new password: the policy of access/password-policy.ts, except the username check (see `notTheUsername`). */
export const passwordSchema = z
  .string()
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .superRefine((password, ctx) => {
    for (const problem of passwordProblems(password, undefined)) {
      ctx.addIssue({ code: "custom", message: problem.message, params: { code: problem.code } });
    }
  });

/** Refuses a password equal to the username (case-insensitive), on the `password` field. */
export function notTheUsername(value: { username: string; password: string }, ctx: z.RefinementCtx): void {
  for (const problem of passwordProblems(value.password, value.username)) {
    if (problem.code === "password_is_username") {
      ctx.addIssue({ code: "custom", path: ["password"], message: problem.message, params: { code: problem.code } });
    }
  }
}
const fullNameSchema = z.string().trim().min(1).max(200);
const emailSchema = z.email().max(254);

export const createUserSchema = z
  .strictObject({
    username: usernameSchema,
    password: passwordSchema,
    role: z.enum(ROLES),
    full_name: fullNameSchema.nullish(),
    email: emailSchema.nullish(),
    /** Absent: the plant's default language (settings). */
    locale: z.enum(LOCALES).optional(),
    active: z.boolean().default(true),
    must_change_password: z.boolean().default(false),
  })
  .superRefine(notTheUsername);

const updateUserSchema = z.strictObject({
  full_name: fullNameSchema.nullable().optional(),
  email: emailSchema.nullable().optional(),
  role: z.enum(ROLES).optional(),
  locale: z.enum(LOCALES).optional(),
  active: z.boolean().optional(),
  password: passwordSchema.optional(),
  /** Defaults to true when an admin sets another user's password (a temporary password). */
  must_change_password: z.boolean().optional(),
});

const changePasswordSchema = z.strictObject({
  current_password: z.string().min(1, "is required").max(PASSWORD_MAX_LENGTH),
  new_password: passwordSchema,
});

const listSchema = z.strictObject({
  ...pageQuery,
  role: z.enum(ROLES).optional(),
  active: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  q: z.string().max(100).optional(),
});

export type CreateUserInput = z.input<typeof createUserSchema>;

export class UserService {
  readonly #db: Db;
  readonly #audit: AuditService;
  /** Wrong current passwords per user (in memory per instance, like the sign-off throttle). */
  readonly #changeThrottle = new FailureThrottle(5, 15 * 60_000);

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  /**
   * The signed-in user, with the permissions of their role so that clients show only what they may do.
   * Open during a forced reset, so the client learns `must_change_password` and shows the form.
   */
  async me(ctx: RequestContext): Promise<User & { permissions: Permission[] }> {
    const actor = requireSignedIn(ctx);
    const row = await usersRepo.findById(this.#db.kysely, actor.id);
    if (!row) throw notFound("User");
    return { ...publicUser(row), permissions: [...permissionsOf(row.role)] };
  }

  async get(ctx: RequestContext, id: string): Promise<User> {
    const actor = requireActor(ctx);
    if (actor.id !== id) authorize(ctx, "users:read");
    const row = await usersRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("User");
    return publicUser(row);
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<User>> {
    authorize(ctx, "users:read");
    const { limit, cursor, ...filter } = parseInput(listSchema, query);
    const after = cursor ? (decodeCursor(cursor, 2) as [string, string]) : undefined;
    const rows = await usersRepo.list(this.#db.kysely, { ...filter, after }, limit + 1);
    return toPage(rows, limit, (r) => [r.username_key, r.id], publicUser);
  }

  /**
   * The people an action can be assigned to (active accounts), by name: for those who assign
   * actions (`actions:assign`) without reading users (SPEC §2 keeps e-mail, role and logins from
   * engineers). Names only, at most PEOPLE_LIMIT (a plant's staff; `q` narrows).
   */
  async people(ctx: RequestContext, query: unknown): Promise<{ items: Person[] }> {
    authorize(ctx, "actions:assign");
    const { q } = parseInput(peopleSchema, query);
    const rows = await usersRepo.people(this.#db.kysely, q, PEOPLE_LIMIT);
    return { items: rows.map(toPerson) };
  }

  /** Names of the given users (any state), for records that point at them: the caller authorised reading those. */
  async peopleByIds(ids: readonly string[]): Promise<(Person | null)[]> {
    const rows = await usersRepo.byIds(this.#db.kysely, ids);
    const byId = new Map(rows.map((r) => [r.id, toPerson(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async create(ctx: RequestContext, input: unknown): Promise<User> {
    authorize(ctx, "users:write");
    return this.createUnchecked(ctx, parseInput(createUserSchema, input));
  }

  /** The language of an account created without one: the plant's setting, else English. */
  async #defaultLocale(): Promise<(typeof LOCALES)[number]> {
    const stored = await settingsRepo.get(this.#db.kysely, PLANT_DEFAULT_LOCALE_KEY);
    return LOCALES.find((l) => l === stored) ?? "en";
  }

  /** Creates a user without a permission check: for the CLI, first-start bootstrap and sign-up. */
  async createUnchecked(
    ctx: RequestContext,
    input: Omit<z.output<typeof createUserSchema>, "must_change_password"> & { must_change_password?: boolean },
    auditActor?: "self",
  ): Promise<User> {
    const problems = passwordProblems(input.password, input.username);
    if (problems.length > 0) throw validationFailed(problems);
    const now = new Date().toISOString();
    const row = {
      id: newId(),
      username: input.username,
      username_key: input.username.toLowerCase(),
      full_name: input.full_name ?? null,
      email: input.email ?? null,
      role: input.role,
      active: input.active,
      locale: input.locale ?? (await this.#defaultLocale()),
      password_hash: await hashPassword(input.password),
      failed_login_count: 0,
      locked_until: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
      must_change_password: input.must_change_password ?? false,
      anonymised_at: null,
    };
    await transaction(this.#db, async (trx) => {
      try {
        await usersRepo.insert(trx, row);
      } catch (error) {
        if (isUniqueViolation(error)) throw usernameTaken();
        throw error;
      }
      await this.#audit.record(trx, ctx, {
        action: "user.create",
        entity_type: "user",
        entity_id: row.id,
        changes: diff(null, publicUser(row)),
        actor_id: auditActor === "self" ? row.id : undefined,
      });
    });
    return publicUser(row);
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<User> {
    const actor = authorize(ctx, "users:write");
    const patch = parseInput(updateUserSchema, input);
    const { password, must_change_password, ...fields } = patch;
    const target = await usersRepo.findById(this.#db.kysely, id);
    if (!target) throw notFound("User");
    if (target.anonymised_at) throw conflict("This user was anonymised and can no longer be changed");
    if (password !== undefined) {
      const problems = passwordProblems(password, target.username);
      if (problems.length > 0) throw validationFailed(problems);
    }
    // An admin setting someone else's password gives them a temporary one, unless told otherwise.
    const mustChange = must_change_password ?? (password !== undefined && id !== actor.id ? true : undefined);
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const updated = await transaction(this.#db, async (trx) => {
      const before = await usersRepo.findById(trx, id);
      if (!before) throw notFound("User");
      const now = new Date().toISOString();
      await usersRepo.update(trx, id, {
        ...fields,
        ...(passwordHash ? { password_hash: passwordHash, failed_login_count: 0, locked_until: null } : {}),
        ...(mustChange === undefined ? {} : { must_change_password: mustChange }),
        updated_at: now,
      });
      await this.#ensureAnAdminRemains(trx);
      const after = (await usersRepo.findById(trx, id))!;
      const changes = updateDiff(publicUser(before), publicUser(after));
      if (passwordHash) changes.password = ["[redacted]", "[redacted]"];
      // A new password or a deactivated account ends every session of that user.
      if (passwordHash || (toBool(before.active) && !toBool(after.active))) {
        await sessionsRepo.revokeAllOfUser(trx, id, now, passwordHash ? "password_changed" : "user_deactivated");
      }
      await this.#audit.record(trx, ctx, { action: "user.update", entity_type: "user", entity_id: id, changes });
      return after;
    });
    return publicUser(updated);
  }

  /**
   * The signed-in user changes their own password (also the way out of a forced reset). Their other
   * sessions end; the current one stays, so the tablet in hand keeps working.
   */
  async changeOwnPassword(ctx: RequestContext, input: unknown): Promise<void> {
    const actor = requireSignedIn(ctx);
    const { current_password, new_password } = parseInput(changePasswordSchema, input);
    const wait = this.#changeThrottle.retryAfter(actor.id);
    if (wait > 0) throw rateLimited("Too many wrong passwords; try again later", wait);
    const row = await usersRepo.findById(this.#db.kysely, actor.id);
    if (!row) throw notFound("User");
    const problems = passwordProblems(new_password, row.username, "new_password");
    if (problems.length > 0) throw validationFailed(problems);
    if (!(await verifyPassword(row.password_hash, current_password))) {
      this.#changeThrottle.fail(actor.id);
      await this.#audit.recordAlone(ctx, {
        action: "user.password_change_failed",
        entity_type: "user",
        entity_id: actor.id,
        changes: { reason: [null, "wrong_password"] },
      });
      // 403, not 401: the session is fine (the web client treats 401 as an expired session).
      throw new AppError(403, "WRONG_PASSWORD", "The current password is wrong", [
        { field: "current_password", message: "is wrong", code: "wrong_password" },
      ]);
    }
    if (await verifyPassword(row.password_hash, new_password)) {
      throw validationFailed([
        { field: "new_password", message: "must differ from the current password", code: "password_unchanged" },
      ]);
    }
    const hash = await hashPassword(new_password);
    await transaction(this.#db, async (trx) => {
      const now = new Date().toISOString();
      await usersRepo.update(trx, actor.id, {
        password_hash: hash,
        must_change_password: false,
        failed_login_count: 0,
        locked_until: null,
        updated_at: now,
      });
      await sessionsRepo.revokeAllOfUser(trx, actor.id, now, "password_changed", actor.sessionId);
      await this.#audit.record(trx, ctx, {
        action: "user.password_change",
        entity_type: "user",
        entity_id: actor.id,
        changes: {
          password: ["[redacted]", "[redacted]"],
          ...(toBool(row.must_change_password) ? { must_change_password: [true, false] } : {}),
        },
      });
    });
  }

  /** CLI `hom user passwd`: sets a password without a permission check. */
  async setPassword(ctx: RequestContext, username: string, password: string): Promise<User> {
    const row = await usersRepo.findByUsername(this.#db.kysely, username);
    if (!row) throw notFound("User");
    const problems = passwordProblems(password, row.username);
    if (problems.length > 0) throw validationFailed(problems);
    const hash = await hashPassword(password);
    await transaction(this.#db, async (trx) => {
      const now = new Date().toISOString();
      await usersRepo.update(trx, row.id, {
        password_hash: hash,
        failed_login_count: 0,
        locked_until: null,
        updated_at: now,
      });
      await sessionsRepo.revokeAllOfUser(trx, row.id, now, "password_changed");
      await this.#audit.record(trx, ctx, {
        action: "user.password_reset",
        entity_type: "user",
        entity_id: row.id,
        changes: { password: ["[redacted]", "[redacted]"] },
      });
    });
    return publicUser(row);
  }

  async listAll(): Promise<User[]> {
    const rows = await usersRepo.listAll(this.#db.kysely);
    return rows.map(publicUser);
  }

  /**
   * First start with an empty database: creates `admin` with HOM_ADMIN_PASSWORD, or a random
   * password that the caller prints once. Returns the generated password, if one was made.
   */
  async bootstrapAdmin(ctx: RequestContext, adminPassword?: string): Promise<{ created: boolean; password?: string }> {
    if ((await usersRepo.count(this.#db.kysely)) > 0) return { created: false };
    const password = adminPassword ?? randomBytes(12).toString("base64url");
    try {
      await this.createUnchecked(ctx, {
        username: "admin",
        password,
        role: "admin",
        locale: "en",
        active: true,
        full_name: "Administrator",
      });
    } catch (error) {
      // Another instance bootstrapped at the same moment: theirs stands.
      if (error instanceof AppError && error.code === "CONFLICT") return { created: false };
      throw error;
    }
    return { created: true, password: adminPassword ? undefined : password };
  }

  async #ensureAnAdminRemains(trx: Tx): Promise<void> {
    if ((await usersRepo.countActiveAdmins(trx)) === 0) {
      throw conflict("At least one active admin must remain", [{ field: "role", message: "last active admin" }]);
    }
  }
}

function usernameTaken() {
  return conflict("Username is already taken", [{ field: "username", message: "already taken", code: "duplicate" }]);
}
