import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Queryable } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { notFound, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, codeInput, idInput, nameInput, parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { insertUnique } from "../plant/service.ts";
import { downtimeReasonsRepo, type DowntimeReasonRow } from "./repo.ts";

export const DOWNTIME_CATEGORIES = ["unplanned", "planned", "excluded"] as const;
export type DowntimeCategory = (typeof DOWNTIME_CATEGORIES)[number];

export interface DowntimeReason {
  id: string;
  parent_id: string | null;
  code: string;
  name: string;
  category: string;
  counts_as_failure: boolean;
  active: boolean;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

export function publicReason(row: DowntimeReasonRow): DowntimeReason {
  return { ...row, counts_as_failure: toBool(row.counts_as_failure), active: toBool(row.active) };
}

const sortOrder = z.number().int().min(0).max(1_000_000);

export const createSchema = z.strictObject({
  parent_id: idInput.nullish(),
  code: codeInput,
  name: nameInput,
  // Required at the top level; a child takes its parent's.
  category: z.enum(DOWNTIME_CATEGORIES).optional(),
  counts_as_failure: z.boolean().optional(),
  active: z.boolean().default(true),
  sort_order: sortOrder.optional(),
});

// The place in the tree and the category are fixed once made: downtimes recorded against a
// reason keep meaning what they meant. To change them, add a new reason and deactivate this one.
export const updateSchema = z.strictObject({
  code: codeInput.optional(),
  name: nameInput.optional(),
  counts_as_failure: z.boolean().optional(),
  active: z.boolean().optional(),
  sort_order: sortOrder.optional(),
});

export const listSchema = z.strictObject({
  ...pageQuery,
  category: z.enum(DOWNTIME_CATEGORIES).optional(),
  parent_id: idInput.optional(),
  top_level: booleanQuery.optional(),
  include_inactive: booleanQuery.default(false),
});

/** The two-level, admin-editable tree of downtime reasons (SPEC §5). */
export class DowntimeReasonService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async get(ctx: RequestContext, id: string): Promise<DowntimeReason> {
    authorize(ctx, "plant:read");
    const row = await downtimeReasonsRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Downtime reason");
    return publicReason(row);
  }

  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<DowntimeReason[]> {
    authorize(ctx, "plant:read");
    return (await downtimeReasonsRepo.findByIds(this.#db.kysely, ids)).map(publicReason);
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<DowntimeReason>> {
    authorize(ctx, "plant:read");
    const { limit, cursor, include_inactive, parent_id, top_level, category } = parseInput(listSchema, query);
    const after = cursor ? (decodeCursor(cursor, 2) as [number, string]) : undefined;
    const rows = await downtimeReasonsRepo.list(
      this.#db.kysely,
      { category, parentId: top_level ? null : parent_id, includeInactive: include_inactive, after },
      limit + 1,
    );
    return toPage(rows, limit, (r) => [r.sort_order, r.id], publicReason);
  }

  async create(ctx: RequestContext, input: unknown): Promise<DowntimeReason> {
    authorize(ctx, "catalog:write");
    const fields = parseInput(createSchema, input);
    return transaction(this.#db, async (trx) => {
      let category = fields.category;
      let countsAsFailure = fields.counts_as_failure;
      if (fields.parent_id) {
        const parent = await downtimeReasonsRepo.findById(trx, fields.parent_id);
        if (!parent)
          throw validationFailed([{ field: "parent_id", message: "No reason with this id", code: "not_found" }]);
        if (parent.parent_id !== null) {
          throw validationFailed([
            {
              field: "parent_id",
              message: "Reasons are two levels deep: the parent must be a top-level reason",
              code: "too_deep",
            },
          ]);
        }
        if (category !== undefined && category !== parent.category) {
          throw validationFailed([
            {
              field: "category",
              message: `must be the parent's category (${parent.category})`,
              code: "category_mismatch",
            },
          ]);
        }
        category = parent.category as DowntimeCategory;
        countsAsFailure ??= toBool(parent.counts_as_failure);
      } else if (category === undefined) {
        throw validationFailed([
          { field: "category", message: "A top-level reason needs a category", code: "required" },
        ]);
      }
      const now = new Date().toISOString();
      const row = {
        id: newId(),
        parent_id: fields.parent_id ?? null,
        code: fields.code,
        name: fields.name,
        category,
        counts_as_failure: countsAsFailure ?? category === "unplanned",
        active: fields.active,
        sort_order: fields.sort_order ?? (await downtimeReasonsRepo.nextSortOrder(trx)),
        created_at: now,
        updated_at: now,
      };
      await insertUnique(() => downtimeReasonsRepo.insert(trx, row), "Downtime reason");
      await this.#audit.record(trx, ctx, {
        action: "downtime_reason.create",
        entity_type: "downtime_reason",
        entity_id: row.id,
        changes: diff(null, publicReason(row)),
      });
      return publicReason(row);
    });
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<DowntimeReason> {
    authorize(ctx, "catalog:write");
    const patch = parseInput(updateSchema, input);
    return transaction(this.#db, async (trx) => {
      const before = await downtimeReasonsRepo.findById(trx, id);
      if (!before) throw notFound("Downtime reason");
      await insertUnique(
        () => downtimeReasonsRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() }),
        "Downtime reason",
      );
      const after = (await downtimeReasonsRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: "downtime_reason.update",
        entity_type: "downtime_reason",
        entity_id: id,
        changes: updateDiff(publicReason(before), publicReason(after)),
      });
      return publicReason(after);
    });
  }
}

/**
 * The reason a downtime is being given: it must exist and be active, and belong to the
 * downtime's category when the caller names one (a 422 on `reason_id` otherwise).
 */
export async function requireUsableReason(
  db: Queryable,
  reasonId: string,
  category: string | undefined,
): Promise<DowntimeReasonRow> {
  const reason = await downtimeReasonsRepo.findById(db, reasonId);
  if (!reason)
    throw validationFailed([{ field: "reason_id", message: "No downtime reason with this id", code: "not_found" }]);
  if (!toBool(reason.active)) {
    throw validationFailed([{ field: "reason_id", message: "The reason is no longer in use", code: "inactive" }]);
  }
  if (category !== undefined && category !== reason.category) {
    throw validationFailed([
      {
        field: "reason_id",
        message: `The reason belongs to the ${reason.category} category, not ${category}`,
        code: "category_mismatch",
      },
    ]);
  }
  return reason;
}
