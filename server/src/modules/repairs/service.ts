import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { conflict, notFound, validationFailed, type ErrorDetail } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { dateTimeInput, idInput, optionalText, parseInput, isInFuture } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { failureCodesRepo } from "../failures/repo.ts";
import { usersRepo } from "../users/repo.ts";
import { requireMachineInService, requireSameLine } from "../plant/service.ts";
import { setDowntimeOfRepair } from "./link.ts";
import { repairsRepo, type RepairRow } from "./repo.ts";

export const REPAIR_KINDS = ["scheduled", "unscheduled"] as const;
export const REPAIR_STATUSES = ["open", "in_progress", "closed"] as const;

export type Repair = RepairRow;

const textFields = {
  description: optionalText(4000),
  cause: optionalText(4000),
  actions_taken: optionalText(4000),
  parts_used: optionalText(4000),
};
const cost = z.number().min(0, "must not be negative").max(1_000_000_000, "must be at most 1,000,000,000");

export const createSchema = z.strictObject({
  machine_id: idInput,
  line_id: idInput.optional(),
  kind: z.enum(REPAIR_KINDS).default("unscheduled"),
  status: z.enum(REPAIR_STATUSES).default("open"),
  start_datetime: dateTimeInput.optional(),
  end_datetime: dateTimeInput.nullish(),
  title: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  ...textFields,
  cost: cost.nullish(),
  failure_code_id: idInput.nullish(),
  downtime_id: idInput.nullish(),
  performed_by: idInput.nullish(),
});

export const updateSchema = z.strictObject({
  kind: z.enum(REPAIR_KINDS).optional(),
  status: z.enum(REPAIR_STATUSES).optional(),
  start_datetime: dateTimeInput.optional(),
  end_datetime: dateTimeInput.nullable().optional(),
  title: createSchema.shape.title.optional(),
  ...textFields,
  cost: cost.nullable().optional(),
  failure_code_id: idInput.nullable().optional(),
  downtime_id: idInput.nullable().optional(),
  performed_by: idInput.nullable().optional(),
});

export const closeSchema = z.strictObject({ end_datetime: dateTimeInput.optional() });

export const listSchema = z.strictObject({
  ...pageQuery,
  machine_id: idInput.optional(),
  line_id: idInput.optional(),
  status: z.enum(REPAIR_STATUSES).optional(),
  kind: z.enum(REPAIR_KINDS).optional(),
  q: z.string().max(100).optional(),
  from: dateTimeInput.optional(),
  to: dateTimeInput.optional(),
});

/** Repairs of machines (SPEC §4). The line is the machine's; the actor is whoever is signed in. */
export class RepairService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async get(ctx: RequestContext, id: string): Promise<Repair> {
    authorize(ctx, "plant:read");
    const row = await repairsRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Repair");
    return row;
  }

  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<Repair[]> {
    authorize(ctx, "plant:read");
    return repairsRepo.findByIds(this.#db.kysely, ids);
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Repair>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listSchema, query);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await repairsRepo.list(
      this.#db.kysely,
      {
        machineId: q.machine_id,
        lineId: q.line_id,
        status: q.status,
        kind: q.kind,
        q: q.q,
        from: q.from,
        to: q.to,
        before,
      },
      q.limit + 1,
    );
    return toPage(
      rows,
      q.limit,
      (r) => [r.start_datetime, r.id],
      (r) => r,
    );
  }

  async create(ctx: RequestContext, input: unknown): Promise<Repair> {
    const actor = authorize(ctx, "repairs:write");
    const fields = parseInput(createSchema, input);
    const now = new Date().toISOString();
    const row: RepairRow = {
      id: newId(),
      machine_id: fields.machine_id,
      line_id: "",
      kind: fields.kind,
      status: fields.status,
      start_datetime: fields.start_datetime ?? now,
      end_datetime: fields.end_datetime ?? null,
      title: fields.title,
      description: fields.description ?? null,
      cause: fields.cause ?? null,
      actions_taken: fields.actions_taken ?? null,
      parts_used: fields.parts_used ?? null,
      cost: fields.cost ?? null,
      failure_code_id: fields.failure_code_id ?? null,
      downtime_id: null,
      performed_by: fields.performed_by ?? null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    checkRepair(row);
    return transaction(this.#db, async (trx) => {
      const machine = await requireMachineInService(trx, fields.machine_id);
      requireSameLine(machine, fields.line_id);
      row.line_id = machine.line_id;
      await requireReferences(trx, row);
      await repairsRepo.insert(trx, row);
      if (fields.downtime_id) await setDowntimeOfRepair(trx, row, fields.downtime_id);
      const created = (await repairsRepo.findById(trx, row.id))!;
      await this.#audit.record(trx, ctx, {
        action: "repair.create",
        entity_type: "repair",
        entity_id: row.id,
        changes: diff(null, created),
      });
      return created;
    });
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<Repair> {
    authorize(ctx, "repairs:write");
    const patch = parseInput(updateSchema, input);
    return this.#change(ctx, id, "repair.update", async (trx, before) => {
      const { downtime_id: downtimeId, ...fields } = patch;
      const next: RepairRow = { ...before, ...fields };
      checkRepair(next);
      await requireReferences(trx, next, fields);
      if (downtimeId !== undefined) await setDowntimeOfRepair(trx, before, downtimeId);
      return fields;
    });
  }

  /** Closes a repair at the given end, its recorded end, or now. */
  async close(ctx: RequestContext, id: string, input: unknown): Promise<Repair> {
    authorize(ctx, "repairs:write");
    const fields = parseInput(closeSchema, input);
    return this.#change(ctx, id, "repair.close", async (_trx, before) => {
      if (before.status === "closed") {
        throw conflict("The repair is already closed", [
          { field: "status", message: "already closed", code: "already_closed" },
        ]);
      }
      const end =
        fields.end_datetime ?? before.end_datetime ?? laterOf(new Date().toISOString(), before.start_datetime);
      const patch = { status: "closed", end_datetime: end };
      checkRepair({ ...before, ...patch });
      return patch;
    });
  }

  async #change(
    ctx: RequestContext,
    id: string,
    action: string,
    patchOf: (trx: Tx, before: RepairRow) => Promise<Partial<RepairRow>>,
  ): Promise<Repair> {
    return transaction(this.#db, async (trx) => {
      const before = await repairsRepo.findById(trx, id);
      if (!before) throw notFound("Repair");
      const patch = await patchOf(trx, before);
      await repairsRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() });
      const after = (await repairsRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action,
        entity_type: "repair",
        entity_id: id,
        changes: updateDiff(before, after),
      });
      return after;
    });
  }
}

/** The rules on a repair's own fields (SPEC §4). */
function checkRepair(repair: RepairRow): void {
  const details: ErrorDetail[] = [];
  if (repair.end_datetime !== null) {
    if (repair.end_datetime < repair.start_datetime) {
      details.push({ field: "end_datetime", message: "must not be before start_datetime", code: "end_before_start" });
    } else if (isInFuture(repair.end_datetime)) {
      details.push({ field: "end_datetime", message: "must not be in the future", code: "future" });
    }
  } else if (repair.status === "closed") {
    details.push({ field: "end_datetime", message: "is required to close a repair", code: "required_to_close" });
  }
  if (details.length > 0) throw validationFailed(details);
}

/** The failure code and the technician named must exist (and be in use); else a 422 on that field. */
async function requireReferences(trx: Tx, repair: RepairRow, changed: Partial<RepairRow> = repair): Promise<void> {
  if (changed.failure_code_id) {
    const code = await failureCodesRepo.findById(trx, changed.failure_code_id);
    if (!code || !toBool(code.active)) {
      throw validationFailed([
        { field: "failure_code_id", message: "No failure code in use with this id", code: "not_found" },
      ]);
    }
  }
  if (changed.performed_by) {
    const user = await usersRepo.findById(trx, changed.performed_by);
    if (!user || !toBool(user.active)) {
      throw validationFailed([{ field: "performed_by", message: "No active user with this id", code: "not_found" }]);
    }
  }
}

function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}
