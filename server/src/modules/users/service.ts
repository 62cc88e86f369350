import { randomBytes } from "node:crypto";
import { z } from "zod";
import { authorize, requireActor, type RequestContext } from "../../access/context.ts";
import { hashPassword } from "../../access/passwords.ts";
import { permissionsOf, ROLES, type Permission } from "../../access/permissions.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { AppError, conflict, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { sessionsRepo } from "../auth/repo.ts";
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
}

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
  };
}

export const usernameSchema = z
  .string()
  .trim()
  .min(3, "must be at least 3 characters")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9._@-]+$/, "may contain letters, digits and . _ @ - only");
export const passwordSchema = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(256, "must be at most 256 characters");
const fullNameSchema = z.string().trim().min(1).max(200);
const emailSchema = z.email().max(254);

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(ROLES),
  full_name: fullNameSchema.nullish(),
  email: emailSchema.nullish(),
  locale: z.enum(LOCALES).default("en"),
  active: z.boolean().default(true),
});

const updateUserSchema = z.strictObject({
  full_name: fullNameSchema.nullable().optional(),
  email: emailSchema.nullable().optional(),
  role: z.enum(ROLES).optional(),
  locale: z.enum(LOCALES).optional(),
  active: z.boolean().optional(),
  password: passwordSchema.optional(),
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

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  /** The signed-in user, with the permissions of their role so that clients show only what they may do. */
  async me(ctx: RequestContext): Promise<User & { permissions: Permission[] }> {
    const actor = requireActor(ctx);
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

  async create(ctx: RequestContext, input: unknown): Promise<User> {
    authorize(ctx, "users:write");
    return this.createUnchecked(ctx, parseInput(createUserSchema, input));
  }

  /** Creates a user without a permission check: for the CLI, first-start bootstrap and sign-up. */
  async createUnchecked(
    ctx: RequestContext,
    input: z.output<typeof createUserSchema>,
    auditActor?: "self",
  ): Promise<User> {
    const now = new Date().toISOString();
    const row = {
      id: newId(),
      username: input.username,
      username_key: input.username.toLowerCase(),
      full_name: input.full_name ?? null,
      email: input.email ?? null,
      role: input.role,
      active: input.active,
      locale: input.locale,
      password_hash: await hashPassword(input.password),
      failed_login_count: 0,
      locked_until: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
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
    authorize(ctx, "users:write");
    const patch = parseInput(updateUserSchema, input);
    const { password, ...fields } = patch;
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const updated = await transaction(this.#db, async (trx) => {
      const before = await usersRepo.findById(trx, id);
      if (!before) throw notFound("User");
      const now = new Date().toISOString();
      await usersRepo.update(trx, id, {
        ...fields,
        ...(passwordHash ? { password_hash: passwordHash, failed_login_count: 0, locked_until: null } : {}),
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

  /** CLI `hom user passwd`: sets a password without a permission check. */
  async setPassword(ctx: RequestContext, username: string, password: string): Promise<User> {
    const parsed = parseInput(z.object({ password: passwordSchema }), { password });
    const row = await usersRepo.findByUsername(this.#db.kysely, username);
    if (!row) throw notFound("User");
    const hash = await hashPassword(parsed.password);
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
