import { z } from "zod";
import { authorize, systemContext, type RequestContext } from "../../access/context.ts";
import { transaction, type Db } from "../../db/index.ts";
import { notFound, validationFailed } from "../../errors.ts";
import { dateTimeInput, isInFuture, parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import { KIND_NAMES, RETENTION_KINDS, type RetentionKindName } from "./kinds.ts";
import { retentionRepo } from "./repo.ts";
import type { ObjectStore } from "../../storage/index.ts";
import { PHOTO_VARIANTS } from "../photos/service.ts";

export interface RetentionRule {
  kind: RetentionKindName;
  description: string;
  /** Days kept; null keeps forever. */
  keep_days: number | null;
  default_keep_days: number | null;
  min_keep_days: number;
  /** false when the kind's table does not exist in this installation (notifications before that module). */
  available: boolean;
  updated_at: string | null;
  updated_by: string | null;
}

export interface RetentionItem {
  kind: RetentionKindName;
  keep_days: number | null;
  /** Rows older than this go (null when the kind is kept forever or unavailable). */
  cutoff: string | null;
  count: number;
  oldest: string | null;
  newest: string | null;
}

export interface RetentionPreview {
  /** The moment the cutoffs are counted from; pass it to apply to remove exactly what was shown. */
  as_of: string;
  items: RetentionItem[];
}

export interface RetentionResult {
  as_of: string;
  items: (RetentionItem & { removed: number })[];
}

export const ruleSchema = z.strictObject({
  keep_days: z
    .number({ message: "must be a whole number of days or null" })
    .int("must be a whole number of days")
    .max(36_500, "must be at most 36500 days")
    .nullable(),
});

const kindsInput = z.array(z.enum(KIND_NAMES)).min(1, "name at least one kind").max(KIND_NAMES.length);

export const previewSchema = z.strictObject({
  as_of: dateTimeInput.optional(),
  kinds: z
    .union([kindsInput, z.string().transform((s) => s.split(","))])
    .pipe(kindsInput)
    .optional(),
});

export const applySchema = z.strictObject({
  as_of: dateTimeInput.optional(),
  kinds: kindsInput.optional(),
});

const DAY_MS = 86_400_000;

/**
 * Retention (SPEC §11): admin-set rules per kind of record, a preview of what would go, and a
 * purge that removes exactly that (given the preview's `as_of`), each kind in one transaction
 * with its audit entry.
 */
export class RetentionService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #store: ObjectStore | undefined;

  /** `store`: the photo store, whose files the photo kinds remove. */
  constructor(db: Db, audit: AuditService, store?: ObjectStore) {
    this.#db = db;
    this.#audit = audit;
    this.#store = store;
  }

  async rules(ctx: RequestContext): Promise<RetentionRule[]> {
    authorize(ctx, "retention:write");
    return this.#rules();
  }

  async setRule(ctx: RequestContext, kind: string, input: unknown): Promise<RetentionRule> {
    const actor = authorize(ctx, "retention:write");
    const def = RETENTION_KINDS.find((k) => k.kind === kind);
    if (!def) throw notFound(`Retention kind "${kind}"`);
    const { keep_days } = parseInput(ruleSchema, input);
    if (keep_days !== null && keep_days < def.minKeepDays) {
      throw validationFailed([
        { field: "keep_days", message: `must be at least ${def.minKeepDays} days for ${kind}`, code: "too_small" },
      ]);
    }
    await transaction(this.#db, async (trx) => {
      const before = (await retentionRepo.rules(trx)).find((r) => r.kind === kind);
      await retentionRepo.setRule(trx, kind, keep_days, actor.id);
      await this.#audit.record(trx, ctx, {
        action: "retention.rule",
        entity_type: "retention_rule",
        entity_id: kind,
        changes: { keep_days: [before ? before.keep_days : def.defaultKeepDays, keep_days] },
      });
    });
    return (await this.#rules()).find((r) => r.kind === kind)!;
  }

  async preview(ctx: RequestContext, query: unknown): Promise<RetentionPreview> {
    authorize(ctx, "retention:write");
    const input = parseInput(previewSchema, query);
    const asOf = this.#asOf(input.as_of);
    const items: RetentionItem[] = [];
    for (const rule of await this.#selected(input.kinds)) {
      const cutoff = cutoffOf(rule, asOf);
      const found = cutoff ? await retentionRepo.candidates(this.#db.kysely, rule.kind, cutoff) : empty;
      items.push({ kind: rule.kind, keep_days: rule.keep_days, cutoff, ...found });
    }
    return { as_of: asOf, items };
  }

  async apply(ctx: RequestContext, input: unknown): Promise<RetentionResult> {
    authorize(ctx, "retention:write");
    const parsed = parseInput(applySchema, input ?? {});
    return this.purge(ctx, this.#asOf(parsed.as_of), parsed.kinds);
  }

  /** The scheduled purge: every kind with a rule (or only `kinds`), as of now, by the system. */
  run(kinds?: RetentionKindName[]): Promise<RetentionResult> {
    return this.purge(systemContext("retention"), new Date().toISOString(), kinds);
  }

  async purge(ctx: RequestContext, asOf: string, kinds?: RetentionKindName[]): Promise<RetentionResult> {
    const items: RetentionResult["items"] = [];
    for (const rule of await this.#selected(kinds)) {
      const cutoff = cutoffOf(rule, asOf);
      if (!cutoff) {
        items.push({ kind: rule.kind, keep_days: rule.keep_days, cutoff, ...empty, removed: 0 });
        continue;
      }
      let objectKeys: string[] = [];
      const item = await transaction(this.#db, async (trx) => {
        const found = await retentionRepo.candidates(trx, rule.kind, cutoff);
        if (found.count === 0) return { kind: rule.kind, keep_days: rule.keep_days, cutoff, ...found, removed: 0 };
        objectKeys = await retentionRepo.photoKeys(trx, rule.kind, cutoff);
        const removed = await retentionRepo.purge(trx, rule.kind, cutoff);
        await this.#audit.record(trx, ctx, {
          action: "retention.purge",
          entity_type: "retention_rule",
          entity_id: rule.kind,
          changes: {
            removed: [null, removed],
            cutoff: [null, cutoff],
            oldest: [found.oldest, null],
            newest: [found.newest, null],
          },
        });
        return { kind: rule.kind, keep_days: rule.keep_days, cutoff, ...found, removed };
      });
      // Files go once their rows are committed away: a failed commit leaves both, never a row without its file.
      await this.#removePhotoFiles(objectKeys);
      items.push(item);
    }
    return { as_of: asOf, items };
  }

  async #removePhotoFiles(storageKeys: string[]): Promise<void> {
    if (!this.#store) return;
    for (const key of storageKeys) {
      // A file that cannot be removed now stays as an orphan (no row points at it): never an error for the purge.
      await Promise.allSettled(PHOTO_VARIANTS.map((variant) => this.#store!.delete(`${key}/${variant}`)));
    }
  }

  #asOf(given: string | undefined): string {
    if (given && isInFuture(given)) {
      throw validationFailed([{ field: "as_of", message: "must not be in the future", code: "in_future" }]);
    }
    return given ? new Date(given).toISOString() : new Date().toISOString();
  }

  async #selected(kinds: RetentionKindName[] | undefined): Promise<RetentionRule[]> {
    const rules = await this.#rules();
    return rules.filter((r) => r.available && (!kinds || kinds.includes(r.kind)));
  }

  async #rules(): Promise<RetentionRule[]> {
    const stored = new Map((await retentionRepo.rules(this.#db.kysely)).map((r) => [r.kind, r]));
    const notifications = await retentionRepo.tableExists(this.#db, "notifications");
    return RETENTION_KINDS.map((def) => {
      const rule = stored.get(def.kind);
      return {
        kind: def.kind,
        description: def.description,
        keep_days: rule ? rule.keep_days : def.defaultKeepDays,
        default_keep_days: def.defaultKeepDays,
        min_keep_days: def.minKeepDays,
        available: def.kind !== "notifications" || notifications,
        updated_at: rule?.updated_at ?? null,
        updated_by: rule?.updated_by ?? null,
      };
    });
  }
}

const empty = { count: 0, oldest: null, newest: null };

function cutoffOf(rule: RetentionRule, asOf: string): string | null {
  return rule.keep_days === null ? null : new Date(Date.parse(asOf) - rule.keep_days * DAY_MS).toISOString();
}
