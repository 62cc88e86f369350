import { randomBytes } from "node:crypto";
import { z } from "zod";
import { authorize, requireActor, type RequestContext } from "../../access/context.ts";
import { hashPassword } from "../../access/passwords.ts";
import { transaction, type Db } from "../../db/index.ts";
import { toBool } from "../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";
import { parseInput } from "../../validate.ts";
import { auditRepo } from "../audit/repo.ts";
import type { AuditService, Changes } from "../audit/service.ts";
import { usersRepo } from "../users/repo.ts";
import { publicUser, type User } from "../users/service.ts";
import { EXPORT_ROW_LIMIT, privacyRepo } from "./repo.ts";

/** `GET /api/v1/users/{id}/export` (docs/security.md, "Personal data"). */
export interface UserExport {
  exported_at: string;
  user: User;
  /** Table → user column → the rows where that column is the user (secrets left out). */
  records: Record<string, Record<string, Record<string, unknown>[]>>;
  /** Audit entries about the user's account made by others (role changes, resets …). */
  audit_about_user: Record<string, unknown>[];
  /** `table.column` lists that hit the per-list limit and were cut. */
  truncated: string[];
}

const emptyBody = z.strictObject({});

/**
 * Audit fields that hold a person's name or address. Only their values are rewritten: a username
 * like `admin` must not turn a `role: [null, "admin"]` into a pseudonym. Free text (a repair's
 * description naming a colleague) is not rewritten; docs/security.md says so.
 */
const PERSONAL_FIELDS = new Set(["username", "full_name", "email"]);

/** The changes with every personal field's value equal (ignoring case) to one of `from` replaced. */
function replacePersonal(changes: Changes, from: Map<string, string>): Changes {
  const swap = (v: unknown) => (typeof v === "string" ? (from.get(v.toLowerCase()) ?? v) : v);
  const next: Changes = {};
  for (const [field, pair] of Object.entries(changes)) {
    next[field] = PERSONAL_FIELDS.has(field) && Array.isArray(pair) ? [swap(pair[0]), swap(pair[1])] : pair;
  }
  return next;
}

/**
 * Personal data of users: an export of everything a user did, and anonymisation of a departed
 * user. Anonymisation rewrites past audit entries and re-chains the log (AuditService.rewriteEntries),
 * ending with a `user.anonymise` checkpoint entry; KPIs are untouched (they count ids, never names).
 */
export class PrivacyService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  /** The user themself, or an admin (`users:write`). */
  async export(ctx: RequestContext, userId: string): Promise<UserExport> {
    const actor = requireActor(ctx);
    if (actor.id !== userId) authorize(ctx, "users:write");
    const row = await usersRepo.findById(this.#db.kysely, userId);
    if (!row) throw notFound("User");
    const records: UserExport["records"] = {};
    const truncated: string[] = [];
    for (const { table, column } of await privacyRepo.userReferenceColumns(this.#db)) {
      let rows = await privacyRepo.rowsOf(this.#db.kysely, table, column, userId);
      if (rows.length === 0) continue;
      if (rows.length > EXPORT_ROW_LIMIT) {
        rows = rows.slice(0, EXPORT_ROW_LIMIT);
        truncated.push(`${table}.${column}`);
      }
      if (table === "audit_log") rows = rows.map(parseChanges);
      (records[table] ??= {})[column] = rows;
    }
    const about = await auditRepo.mentioning(this.#db.kysely, [], { type: "user", id: userId });
    return {
      exported_at: new Date().toISOString(),
      user: publicUser(row),
      records,
      audit_about_user: about.filter((e) => e.actor_id !== userId).map(parseChanges),
      truncated,
    };
  }

  /**
   * Replaces the user's username, name and e-mail with a pseudonym in the user record and in every
   * audit entry, deactivates the account, ends its sessions and forgets their devices and addresses.
   * Admin only; not oneself, not the last active admin, not twice.
   */
  async anonymise(ctx: RequestContext, userId: string, input: unknown = {}): Promise<User> {
    const actor = authorize(ctx, "users:write");
    parseInput(emptyBody, input);
    if (actor.id === userId) throw conflict("You cannot anonymise your own account");
    const unusable = await hashPassword(randomBytes(32).toString("base64url"));
    const updated = await transaction(this.#db, async (trx) => {
      const before = await usersRepo.findById(trx, userId);
      if (!before) throw notFound("User");
      if (before.anonymised_at) throw conflict("This user is anonymised already");
      if (before.role === "admin" && toBool(before.active) && (await usersRepo.countActiveAdmins(trx)) <= 1) {
        throw conflict("At least one active admin must remain", [{ field: "id", message: "last active admin" }]);
      }
      let pseudonym = `former-user-${randomBytes(4).toString("hex")}`;
      while (await privacyRepo.isUsernameTaken(trx, pseudonym))
        pseudonym = `former-user-${randomBytes(4).toString("hex")}`;
      const fullName = `Former user ${pseudonym.slice("former-user-".length)}`;
      const now = new Date().toISOString();

      // Old value (lower case) → pseudonym, for the audit entries.
      const replacements = new Map<string, string>([[before.username.toLowerCase(), pseudonym]]);
      if (before.full_name) replacements.set(before.full_name.toLowerCase(), fullName);
      if (before.email) replacements.set(before.email.toLowerCase(), "[anonymised]");

      const chain = await this.#audit.rewriteEntries(
        trx,
        (t) => auditRepo.mentioning(t, [...replacements.keys()], { type: "user", id: userId }),
        (changes) => {
          const next = replacePersonal(changes, replacements);
          return JSON.stringify(next) === JSON.stringify(changes) ? null : next;
        },
      );

      await usersRepo.update(trx, userId, {
        username: pseudonym,
        username_key: pseudonym,
        full_name: fullName,
        email: null,
        active: false,
        password_hash: unusable,
        must_change_password: false,
        failed_login_count: 0,
        locked_until: null,
        anonymised_at: now,
        updated_at: now,
      });
      await privacyRepo.forgetSessions(trx, userId, now);
      // The checkpoint: what was rewritten and the head it replaced; never the old values.
      await this.#audit.record(trx, ctx, {
        action: "user.anonymise",
        entity_type: "user",
        entity_id: userId,
        changes: {
          username: ["[anonymised]", pseudonym],
          full_name: ["[anonymised]", fullName],
          email: ["[anonymised]", null],
          active: [toBool(before.active), false],
          audit_entries_rewritten: [null, chain.rewritten],
          rechained_from_seq: [null, chain.fromSeq],
          previous_head_hash: [null, chain.previousHead],
        },
      });
      return (await usersRepo.findById(trx, userId))!;
    });
    return publicUser(updated);
  }
}

function parseChanges<T extends Record<string, unknown>>(row: T): T {
  return typeof row.changes === "string" ? { ...row, changes: JSON.parse(row.changes) as unknown } : row;
}
