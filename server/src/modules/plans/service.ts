import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Queryable, type Tx } from "../../db/index.ts";
import { toBool } from "../../db/schema.ts";
import { notFound, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, dateTimeInput, idInput, nameInput, parseInput, isInFuture } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { checklistsRepo } from "../checklists/repo.ts";
import { machinesRepo } from "../plant/repo.ts";
import { toolsRepo } from "../tools/repo.ts";
import { plansRepo, type PlanRow } from "./repo.ts";
import { PLAN_STATUSES, planState, RATE_WINDOW_DAYS, type PlanState, type PlanStatus } from "./status.ts";

export const PLAN_ACTIVITIES = ["inspection", "cleaning", "lubrication", "overhaul", "calibration", "other"] as const;
const DAY_MS = 86_400_000;

export type Plan = Omit<PlanRow, "active"> & { active: boolean } & PlanState;

const interval = {
  interval_shots: z.number().int().min(1, "must be at least 1").max(1_000_000_000_000).nullish(),
  interval_days: z.number().int().min(1, "must be at least 1").max(3650, "must be at most 3650 (ten years)").nullish(),
};
const planFields = {
  name: nameInput,
  activity: z.enum(PLAN_ACTIVITIES),
  ...interval,
  warn_at_percent: z.number().int().min(1).max(100),
  /** The checklist a log for this plan is filled in on, unless the log names another. */
  checklist_template_id: idInput.nullish(),
  active: z.boolean(),
};
export const createPlanSchema = z.strictObject({
  ...planFields,
  warn_at_percent: planFields.warn_at_percent.default(90),
  active: planFields.active.default(true),
  // A plan for a mould with a maintenance history: when it was last done, and at which count.
  last_done_at: dateTimeInput.optional(),
  last_done_shots: z.number().int().min(0).optional(),
});
export const updatePlanSchema = z.strictObject({
  name: planFields.name.optional(),
  activity: planFields.activity.optional(),
  ...interval,
  warn_at_percent: planFields.warn_at_percent.optional(),
  checklist_template_id: planFields.checklist_template_id,
  active: planFields.active.optional(),
});
export const listPlansSchema = z.strictObject({ include_inactive: booleanQuery.default(false) });
/** Plans across the plant in the given states, most urgent first (the dashboard). */
export const attentionSchema = z.strictObject({
  status: z.array(z.enum(PLAN_STATUSES)).min(1).max(PLAN_STATUSES.length).optional(),
  limit: z.number().int().min(1, "must be at least 1").max(500, "must be at most 500").default(100),
});
const URGENCY: Record<PlanStatus, number> = { overdue: 0, due: 1, warning: 2, not_due: 3 };
export const resetPlanSchema = z.strictObject({ done_at: dateTimeInput.optional() });

export type PlanOwner = { tool_id: string } | { machine_id: string };

/** Runs in the transaction of a reset: the actions module completes the plan's open action. */
export type PlanResetHook = (trx: Tx, ctx: RequestContext, planId: string, maintenanceLogId?: string) => Promise<void>;

/**
 * Preventive maintenance plans (SPEC §7): every N shots and/or every N days, with a warning
 * threshold and a forecast. Completing maintenance resets a plan (`resetIn`, which the
 * maintenance-log service calls in its own transaction).
 */
export class PlanService {
  readonly #db: Db;
  readonly #audit: AuditService;
  #afterReset: PlanResetHook | undefined;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  /** Set once at start (runtime.ts): plans know nothing of actions, actions hear of resets. */
  onReset(hook: PlanResetHook): void {
    this.#afterReset = hook;
  }

  /**
   * Active plans with their state, of some tools or of all (plan checks after shots and as days
   * pass). System work, not a request: no permission asked. Runs after every shot commit, so it
   * sums recent shots (the forecast's rate) only for the plans that need a forecast, those not
   * `not_due`: the status itself does not depend on the rate.
   */
  async activeStates(toolIds?: readonly string[], now = Date.now()): Promise<Plan[]> {
    if (toolIds && toolIds.length === 0) return [];
    const rows = await plansRepo.listFor(this.#db.kysely, toolIds ? { toolIds } : {}, false);
    return this.#withState(this.#db.kysely, rows, now, "unless_not_due");
  }

  async get(ctx: RequestContext, id: string): Promise<Plan> {
    authorize(ctx, "plant:read");
    const row = await plansRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Maintenance plan");
    return (await this.#withState(this.#db.kysely, [row]))[0];
  }

  async listFor(ctx: RequestContext, owner: PlanOwner, query: unknown): Promise<{ items: Plan[] }> {
    authorize(ctx, "plant:read");
    const { include_inactive } = parseInput(listPlansSchema, query);
    await this.#requireOwner(this.#db.kysely, owner, false);
    const rows = await plansRepo.listFor(
      this.#db.kysely,
      "tool_id" in owner ? { toolIds: [owner.tool_id] } : { machineId: owner.machine_id },
      include_inactive,
    );
    return { items: await this.#withState(this.#db.kysely, rows) };
  }

  /** How many active plans are in each status, for /metrics. */
  async countByStatus(): Promise<Record<PlanStatus, number>> {
    const counts: Record<PlanStatus, number> = { not_due: 0, warning: 0, due: 0, overdue: 0 };
    const rows = await plansRepo.listFor(this.#db.kysely, {}, false);
    for (const plan of await this.#withState(this.#db.kysely, rows)) counts[plan.status]++;
    return counts;
  }

  /**
   * Active plans of every tool and machine whose status is one of `status` (default: warning,
   * due, overdue), most urgent first (overdue, due, warning; further through the interval first).
   * The state is computed, not stored, so every active plan is evaluated: the same work as
   * /metrics' plan gauge.
   */
  async attention(ctx: RequestContext, input: unknown): Promise<Plan[]> {
    authorize(ctx, "plant:read");
    const { status, limit } = parseInput(attentionSchema, input);
    const wanted = new Set<PlanStatus>(status ?? ["warning", "due", "overdue"]);
    const rows = await plansRepo.listFor(this.#db.kysely, {}, false);
    return (await this.#withState(this.#db.kysely, rows))
      .filter((plan) => wanted.has(plan.status))
      .sort((a, b) => URGENCY[a.status] - URGENCY[b.status] || b.progress - a.progress || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  /** Active plans of many tools at once (GraphQL `Tool.maintenancePlans`). */
  async activeOfTools(ctx: RequestContext, toolIds: readonly string[]): Promise<Plan[]> {
    authorize(ctx, "plant:read");
    return this.#withState(this.#db.kysely, await plansRepo.listFor(this.#db.kysely, { toolIds }, false));
  }

  async create(ctx: RequestContext, owner: PlanOwner, input: unknown): Promise<Plan> {
    authorize(ctx, "plans:write");
    const fields = parseInput(createPlanSchema, input);
    requireInterval(fields.interval_shots ?? null, fields.interval_days ?? null, owner);
    return transaction(this.#db, async (trx) => {
      const shots = await this.#requireOwner(trx, owner, true);
      if (fields.checklist_template_id) await requireTemplateFor(trx, fields.checklist_template_id, owner);
      const now = new Date().toISOString();
      const row = {
        id: newId(),
        tool_id: "tool_id" in owner ? owner.tool_id : null,
        machine_id: "machine_id" in owner ? owner.machine_id : null,
        name: fields.name,
        activity: fields.activity,
        interval_shots: fields.interval_shots ?? null,
        interval_days: fields.interval_days ?? null,
        warn_at_percent: fields.warn_at_percent,
        checklist_template_id: fields.checklist_template_id ?? null,
        active: fields.active,
        last_done_at: fields.last_done_at ?? now,
        last_done_shots: fields.last_done_shots ?? shots ?? 0,
        created_at: now,
        updated_at: now,
      };
      await plansRepo.insert(trx, row);
      await this.#audit.record(trx, ctx, {
        action: "plan.create",
        entity_type: "maintenance_plan",
        entity_id: row.id,
        changes: diff(null, row),
      });
      return (await this.#withState(trx, [row]))[0];
    });
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<Plan> {
    authorize(ctx, "plans:write");
    const patch = parseInput(updatePlanSchema, input);
    return transaction(this.#db, async (trx) => {
      const before = await plansRepo.findById(trx, id);
      if (!before) throw notFound("Maintenance plan");
      const next = { ...before, ...patch };
      requireInterval(next.interval_shots ?? null, next.interval_days ?? null, ownerOf(before));
      if (patch.checklist_template_id && patch.checklist_template_id !== before.checklist_template_id) {
        await requireTemplateFor(trx, patch.checklist_template_id, ownerOf(before));
      }
      await plansRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() });
      const after = (await plansRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: "plan.update",
        entity_type: "maintenance_plan",
        entity_id: id,
        changes: updateDiff(publicRow(before), publicRow(after)),
      });
      return (await this.#withState(trx, [after]))[0];
    });
  }

  /** Records maintenance as done now (or at `done_at`): the next interval counts from here. */
  async reset(ctx: RequestContext, id: string, input: unknown): Promise<Plan> {
    authorize(ctx, "maintenance:write");
    const { done_at } = parseInput(resetPlanSchema, input);
    return transaction(this.#db, async (trx) => {
      await this.resetIn(trx, ctx, id, done_at);
      return (await this.#withState(trx, [(await plansRepo.findById(trx, id))!]))[0];
    });
  }

  /**
   * The reset inside a caller's transaction (a completed maintenance log): the plan floats,
   * counting its next interval from this moment and the owner's shots now.
   */
  async resetIn(trx: Tx, ctx: RequestContext, id: string, doneAt?: string, maintenanceLogId?: string): Promise<void> {
    const before = await plansRepo.findById(trx, id);
    if (!before) throw notFound("Maintenance plan");
    const now = new Date().toISOString();
    const at = doneAt ?? now;
    if (isInFuture(at)) {
      throw validationFailed([{ field: "done_at", message: "must not be in the future", code: "future" }]);
    }
    const shots = before.tool_id ? Number((await toolsRepo.findById(trx, before.tool_id))?.lifetime_shots ?? 0) : 0;
    await plansRepo.update(trx, id, { last_done_at: at, last_done_shots: shots, updated_at: now });
    await this.#audit.record(trx, ctx, {
      action: "plan.reset",
      entity_type: "maintenance_plan",
      entity_id: id,
      changes: { last_done_at: [before.last_done_at, at], last_done_shots: [Number(before.last_done_shots), shots] },
    });
    await this.#afterReset?.(trx, ctx, id, maintenanceLogId);
  }

  /** The owner must exist (and, for a new plan, be in service); returns the tool's shots. */
  async #requireOwner(db: Queryable, owner: PlanOwner, forWrite: boolean): Promise<number | null> {
    if ("tool_id" in owner) {
      const tool = await toolsRepo.findById(db, owner.tool_id);
      if (!tool) throw notFound("Tool");
      if (forWrite && tool.status === "retired") {
        throw validationFailed([{ field: "tool_id", message: "The tool is retired", code: "retired" }]);
      }
      return Number(tool.lifetime_shots);
    }
    const machine = await machinesRepo.findById(db, owner.machine_id);
    if (!machine) throw notFound("Machine");
    if (forWrite && machine.status === "retired") {
      throw validationFailed([{ field: "machine_id", message: "The machine is retired", code: "retired" }]);
    }
    return null;
  }

  /**
   * The plans with their state. `forecast` says for which plans the shot rate (a sum over the
   * last RATE_WINDOW_DAYS of shot entries) is fetched: all (what people look at), or only those
   * not `not_due` (the plan checks, which only act on those).
   */
  async #withState(
    db: Queryable,
    rows: PlanRow[],
    now = Date.now(),
    forecast: "all" | "unless_not_due" = "all",
  ): Promise<Plan[]> {
    const toolIds = [...new Set(rows.flatMap((r) => (r.tool_id ? [r.tool_id] : [])))];
    const tools = new Map((toolIds.length ? await toolsRepo.findByIds(db, toolIds) : []).map((t) => [t.id, t]));
    const stateOf = (row: PlanRow, rate: number) =>
      planState(
        { ...row, last_done_shots: Number(row.last_done_shots), interval_shots: nullableNumber(row.interval_shots) },
        row.tool_id ? Number(tools.get(row.tool_id)?.lifetime_shots ?? 0) : null,
        rate,
        now,
      );
    const rated =
      forecast === "all"
        ? toolIds
        : [...new Set(rows.flatMap((r) => (r.tool_id && stateOf(r, 0).status !== "not_due" ? [r.tool_id] : [])))];
    const recent = await plansRepo.shotsSince(db, rated, new Date(now - RATE_WINDOW_DAYS * DAY_MS).toISOString());
    return rows.map((row) => {
      const rate = row.tool_id ? (recent.get(row.tool_id) ?? 0) / RATE_WINDOW_DAYS : 0;
      return { ...publicRow(row), ...stateOf(row, rate) };
    });
  }
}

function publicRow(row: PlanRow) {
  return {
    ...row,
    active: toBool(row.active),
    interval_shots: nullableNumber(row.interval_shots),
    last_done_shots: Number(row.last_done_shots),
  };
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}

function ownerOf(row: PlanRow): PlanOwner {
  return row.tool_id ? { tool_id: row.tool_id } : { machine_id: row.machine_id! };
}

/** A plan's checklist must exist and fit its owner (a mould checklist is no machine's). */
async function requireTemplateFor(db: Queryable, templateId: string, owner: PlanOwner): Promise<void> {
  const template = await checklistsRepo.findVersion(db, templateId);
  if (!template) {
    throw validationFailed([
      { field: "checklist_template_id", message: "No checklist template with this id", code: "not_found" },
    ]);
  }
  const subject = "tool_id" in owner ? "tool" : "machine";
  if (template.applies_to !== "any" && template.applies_to !== subject) {
    throw validationFailed([
      {
        field: "checklist_template_id",
        message: `The checklist is for a ${template.applies_to}, not a ${subject}`,
        code: "wrong_subject",
      },
    ]);
  }
}

function requireInterval(shots: number | null, days: number | null, owner: PlanOwner): void {
  if (shots === null && days === null) {
    throw validationFailed([
      { field: "interval_shots", message: "Give interval_shots, interval_days or both", code: "required" },
    ]);
  }
  if (shots !== null && "machine_id" in owner) {
    throw validationFailed([
      {
        field: "interval_shots",
        message: "Machine plans run by days; shot intervals belong to tools",
        code: "not_for_machines",
      },
    ]);
  }
}
