import { z } from "zod";
import { authorize, type Actor, type RequestContext } from "../../access/context.ts";
import { ROLES, can } from "../../access/permissions.ts";
import { transaction, type Db, type Queryable, type Tx } from "../../db/index.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { AppError, conflict, notFound, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, idInput, optionalText, parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { failureReportsRepo } from "../failures/repo.ts";
import { maintenanceLogsRepo, type MaintenanceLogRow } from "../maintenance/repo.ts";
import type { NotificationService } from "../notifications/service.ts";
import { machinesRepo } from "../plant/repo.ts";
import { plansRepo } from "../plans/repo.ts";
import { repairsRepo } from "../repairs/repo.ts";
import { toolsRepo } from "../tools/repo.ts";
import { usersRepo } from "../users/repo.ts";
import { actionsRepo, OPEN_STATUSES, type ActionRow } from "./repo.ts";

export const ACTION_KINDS = ["containment", "corrective", "preventive", "follow_up"] as const;
export const ACTION_PRIORITIES = ["low", "medium", "high", "critical"] as const;
export const ACTION_STATUSES = ["open", "in_progress", "completed", "verified", "cancelled"] as const;
type ActionStatus = (typeof ACTION_STATUSES)[number];
const DAY_MS = 86_400_000;
/** Reminders per run at most; the rest follow in the next run, five minutes later. */
const REMINDER_BATCH = 1_000;

export type Action = ActionRow & { overdue: boolean };

/** The moves of the workflow: from which statuses each goes, and to which. */
export const MOVES = {
  start: { from: ["open"], to: "in_progress" },
  complete: { from: ["open", "in_progress"], to: "completed" },
  verify: { from: ["completed"], to: "verified" },
  reopen: { from: ["completed"], to: "in_progress" },
  cancel: { from: ["open", "in_progress", "completed"], to: "cancelled" },
} as const satisfies Record<string, { from: readonly ActionStatus[]; to: ActionStatus }>;
export type Move = keyof typeof MOVES;

const LINKS = ["failure_report_id", "tool_id", "machine_id", "repair_id", "maintenance_log_id", "plan_id"] as const;
type Links = Record<(typeof LINKS)[number], string | null>;

const dateInput = z.iso
  .date({ error: "must be a date (YYYY-MM-DD)" })
  .refine((v) => v >= "2000-01-01" && v < "2100-01-01", "must be between the years 2000 and 2099");
const title = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const linkFields = Object.fromEntries(LINKS.map((k) => [k, idInput.nullish()])) as Record<
  (typeof LINKS)[number],
  z.ZodOptional<z.ZodNullable<typeof idInput>>
>;

export const createActionSchema = z.strictObject({
  title,
  description: optionalText(4000),
  kind: z.enum(ACTION_KINDS).default("corrective"),
  priority: z.enum(ACTION_PRIORITIES).default("medium"),
  assignee_id: idInput.nullish(),
  due_date: dateInput.nullish(),
  /** A due date already past is refused unless this says it is meant (back-filling paper records). */
  allow_past_due: z.boolean().default(false),
  ...linkFields,
});
export const updateActionSchema = z.strictObject({
  title: title.optional(),
  description: optionalText(4000),
  kind: z.enum(ACTION_KINDS).optional(),
  priority: z.enum(ACTION_PRIORITIES).optional(),
  assignee_id: idInput.nullish(),
  due_date: dateInput.nullish(),
  allow_past_due: z.boolean().default(false),
  ...linkFields,
});
export const moveSchemas = {
  start: z.strictObject({}),
  complete: z.strictObject({
    completion_note: z.string().trim().min(1, "must not be empty").max(4000, "must be at most 4000 characters"),
  }),
  verify: z.strictObject({ note: optionalText(4000) }),
  reopen: z.strictObject({ reason: optionalText(4000) }),
  cancel: z.strictObject({ reason: optionalText(4000) }),
} satisfies Record<Move, z.ZodType>;
export const listActionsSchema = z.strictObject({
  ...pageQuery,
  mine: booleanQuery.optional(),
  overdue: booleanQuery.optional(),
  status: z.enum(ACTION_STATUSES).optional(),
  kind: z.enum(ACTION_KINDS).optional(),
  priority: z.enum(ACTION_PRIORITIES).optional(),
  assignee_id: idInput.optional(),
  ...Object.fromEntries(LINKS.map((k) => [k, idInput.optional()])),
});

export function todayOf(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function publicAction(row: ActionRow, today = todayOf()): Action {
  const overdue =
    row.due_date !== null && row.due_date < today && (OPEN_STATUSES as readonly string[]).includes(row.status);
  return { ...row, overdue };
}

/**
 * Corrective and preventive actions (SPEC §9): open → in_progress → completed → verified, or
 * cancelled. The assignee moves their own action forward; engineers and up move anyone's;
 * managers and up verify, reopen and cancel. Each move is one conditional update, so of two
 * people moving the same action at once exactly one succeeds and the other gets a 409.
 */
export class ActionService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #notifications: NotificationService;

  constructor(db: Db, audit: AuditService, notifications: NotificationService) {
    this.#db = db;
    this.#audit = audit;
    this.#notifications = notifications;
  }

  async get(ctx: RequestContext, id: string): Promise<Action> {
    authorize(ctx, "plant:read");
    const row = await actionsRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Action");
    return publicAction(row);
  }

  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<Action[]> {
    authorize(ctx, "plant:read");
    const today = todayOf();
    return (await actionsRepo.findByIds(this.#db.kysely, ids)).map((r) => publicAction(r, today));
  }

  /** Every action of these failure reports, newest first (GraphQL `FailureReport.actions`, batched). */
  async ofFailureReports(ctx: RequestContext, reportIds: readonly string[]): Promise<Action[]> {
    authorize(ctx, "plant:read");
    const today = todayOf();
    return (await actionsRepo.ofFailureReports(this.#db.kysely, reportIds)).map((r) => publicAction(r, today));
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Action>> {
    const actor = authorize(ctx, "plant:read");
    const q = parseInput(listActionsSchema, query) as z.output<typeof listActionsSchema> & Partial<Links>;
    if (q.mine && q.assignee_id && q.assignee_id !== actor.id) {
      throw validationFailed([{ field: "assignee_id", message: "contradicts mine=true", code: "conflicting_filters" }]);
    }
    const today = todayOf();
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await actionsRepo.list(
      this.#db.kysely,
      {
        assigneeId: q.mine ? actor.id : q.assignee_id,
        status: q.status,
        kind: q.kind,
        priority: q.priority,
        overdueBefore: q.overdue === true ? today : undefined,
        notOverdueOn: q.overdue === false ? today : undefined,
        failureReportId: q.failure_report_id ?? undefined,
        toolId: q.tool_id ?? undefined,
        machineId: q.machine_id ?? undefined,
        repairId: q.repair_id ?? undefined,
        maintenanceLogId: q.maintenance_log_id ?? undefined,
        planId: q.plan_id ?? undefined,
        before,
      },
      q.limit + 1,
    );
    return toPage(
      rows,
      q.limit,
      (r) => [r.created_at, r.id],
      (r) => publicAction(r, today),
    );
  }

  async create(ctx: RequestContext, input: unknown): Promise<Action> {
    const actor = authorize(ctx, "actions:update");
    const fields = parseInput(createActionSchema, input);
    const today = todayOf();
    if (fields.due_date && fields.due_date < today && !fields.allow_past_due) throw pastDue();
    if (fields.assignee_id && fields.assignee_id !== actor.id) requireAssigner(actor);
    const created = await transaction(this.#db, async (trx) => {
      if (fields.assignee_id) await requireAssignee(trx, fields.assignee_id);
      const links = await resolveLinks(trx, pickLinks(fields));
      const now = new Date().toISOString();
      const row: ActionRow = {
        id: newId(),
        title: fields.title,
        description: fields.description ?? null,
        kind: fields.kind,
        priority: fields.priority,
        assignee_id: fields.assignee_id ?? null,
        due_date: fields.due_date ?? null,
        status: "open",
        started_at: null,
        completed_at: null,
        completed_by: null,
        completion_note: null,
        verified_at: null,
        verified_by: null,
        cancelled_at: null,
        ...links,
        plan_cycle: null,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
      };
      await actionsRepo.insert(trx, row);
      const action = publicAction((await actionsRepo.findById(trx, row.id))!, today);
      await this.#audit.record(trx, ctx, {
        action: "action.create",
        entity_type: "action",
        entity_id: row.id,
        changes: diff(null, row),
      });
      if (row.assignee_id) await this.#tellAssignee(trx, action, actor.id);
      return action;
    });
    this.#notifications.mailQueued();
    return created;
  }

  /**
   * Edits an action that is not finished. Reassigning needs `actions:assign`, except taking an
   * unassigned action oneself. An automatic plan action stays with its plan (its plan_id is the
   * one interval it stands for).
   */
  async update(ctx: RequestContext, id: string, input: unknown): Promise<Action> {
    const actor = authorize(ctx, "actions:update");
    const { allow_past_due: allowPastDue, ...patch } = parseInput(updateActionSchema, input);
    const today = todayOf();
    const updated = await uniqueAction(() =>
      transaction(this.#db, async (trx) => {
        const before = await actionsRepo.findById(trx, id);
        if (!before) throw notFound("Action");
        if (!(OPEN_STATUSES as readonly string[]).includes(before.status)) {
          throw conflict(`A ${before.status} action cannot be edited`, [
            { field: "status", message: before.status, code: "finished" },
          ]);
        }
        const reassigned = patch.assignee_id !== undefined && patch.assignee_id !== before.assignee_id;
        // Taking an action nobody has is anyone's; taking it from someone is an assignment.
        if (reassigned && (patch.assignee_id !== actor.id || before.assignee_id !== null)) requireAssigner(actor);
        if (reassigned && patch.assignee_id) await requireAssignee(trx, patch.assignee_id);
        if (patch.due_date && patch.due_date !== before.due_date && patch.due_date < today && !allowPastDue) {
          throw pastDue();
        }
        const linkPatch = Object.fromEntries(
          LINKS.filter((k) => patch[k] !== undefined && patch[k] !== before[k]).map((k) => [k, patch[k] ?? null]),
        ) as Partial<Links>;
        if (before.plan_cycle !== null && "plan_id" in linkPatch) {
          throw conflict("An automatic plan action stays linked to its plan", [
            { field: "plan_id", message: "is fixed for an automatic plan action", code: "plan_action" },
          ]);
        }
        await checkLinks(trx, linkPatch);
        const now = new Date().toISOString();
        // The assignee read above decided who may reassign: a concurrent reassignment makes this a 409.
        const guard = reassigned ? { assigneeId: before.assignee_id } : undefined;
        if (!(await actionsRepo.updateFrom(trx, id, [before.status], { ...patch, updated_at: now }, guard))) {
          throw stale();
        }
        const row = (await actionsRepo.findById(trx, id))!;
        const after = publicAction(row, today);
        await this.#audit.record(trx, ctx, {
          action: "action.update",
          entity_type: "action",
          entity_id: id,
          changes: updateDiff(before, row),
        });
        if (reassigned && after.assignee_id) await this.#tellAssignee(trx, after, actor.id);
        return after;
      }),
    );
    this.#notifications.mailQueued();
    return updated;
  }

  /** One step of the workflow (`start`, `complete`, `verify`, `reopen`, `cancel`). */
  async move(ctx: RequestContext, id: string, move: Move, input: unknown): Promise<Action> {
    // The least any mover holds, checked before anything is read; who may move this action is below.
    const actor = authorize(ctx, move === "start" || move === "complete" ? "actions:complete_own" : "actions:verify");
    const fields = parseInput(moveSchemas[move], input) as {
      completion_note?: string;
      note?: string | null;
      reason?: string | null;
    };
    const { from, to } = MOVES[move];
    return transaction(this.#db, async (trx) => {
      const before = await actionsRepo.findById(trx, id);
      if (!before) throw notFound("Action");
      requireMayMove(actor, before, move);
      if (!(from as readonly string[]).includes(before.status)) throw illegalMove(before.status, to);
      const now = new Date().toISOString();
      const patch: Partial<ActionRow> = { status: to, updated_at: now };
      if (move === "start") patch.started_at = now;
      if (move === "complete") {
        Object.assign(patch, { completed_at: now, completed_by: actor.id, completion_note: fields.completion_note });
        if (!before.started_at) patch.started_at = now;
      }
      if (move === "verify") {
        Object.assign(patch, { verified_at: now, verified_by: actor.id });
        if (fields.note) patch.completion_note = `${before.completion_note ?? ""}\n\nVerified: ${fields.note}`.trim();
      }
      if (move === "reopen") {
        Object.assign(patch, { completed_at: null, completed_by: null });
        if (fields.reason)
          patch.completion_note = `${before.completion_note ?? ""}\n\nReopened: ${fields.reason}`.trim();
      }
      if (move === "cancel") {
        patch.cancelled_at = now;
        if (fields.reason) patch.completion_note = `Cancelled: ${fields.reason}`;
      }
      // Only if still in the status read above (a concurrent move makes this one a 409), and for
      // start and complete still with the assignee that allowed it (a concurrent reassignment too).
      const guard = move === "start" || move === "complete" ? { assigneeId: before.assignee_id } : undefined;
      if (!(await actionsRepo.updateFrom(trx, id, [before.status], patch, guard))) {
        const current = await actionsRepo.findById(trx, id);
        if (current && current.status === before.status) throw stale();
        throw illegalMove(current?.status ?? before.status, to);
      }
      const row = (await actionsRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: `action.${move}`,
        entity_type: "action",
        entity_id: id,
        changes: updateDiff(before, row),
      });
      return publicAction(row);
    });
  }

  /**
   * A completed maintenance log's findings (failed steps, follow-up flag) become actions in the
   * log's own transaction, so a finding can never be lost between the two; each request then
   * names its action.
   */
  async fromLogRequestsIn(trx: Tx, ctx: RequestContext, log: MaintenanceLogRow): Promise<void> {
    const requests = await maintenanceLogsRepo.pendingRequestsOf(trx, log.id);
    for (const request of requests) {
      const now = new Date().toISOString();
      const row: ActionRow = {
        ...emptyAction(now),
        id: newId(),
        title: request.title.slice(0, 200),
        description: request.note,
        kind: request.reason === "failed_step" ? "corrective" : "follow_up",
        tool_id: log.tool_id,
        machine_id: log.machine_id,
        maintenance_log_id: log.id,
        created_by: ctx.actor?.id ?? null,
      };
      await actionsRepo.insert(trx, row);
      if (!(await maintenanceLogsRepo.linkRequest(trx, request.id, row.id))) {
        throw conflict("The log's findings were turned into actions meanwhile; reload it");
      }
      await this.#audit.record(trx, ctx, {
        action: "action.create",
        entity_type: "action",
        entity_id: row.id,
        changes: { ...diff(null, row), source: [null, `maintenance_action_request:${request.id}`] },
      });
    }
  }

  /**
   * A plan was reset (maintenance done): its open automatic action is completed, noting the log
   * when there is one. It still waits for a manager's verification like any other.
   */
  async completePlanActionsIn(trx: Tx, ctx: RequestContext, planId: string, logId?: string): Promise<void> {
    for (const before of await actionsRepo.openOfPlan(trx, planId)) {
      const now = new Date().toISOString();
      const patch = {
        status: "completed",
        started_at: before.started_at ?? now,
        completed_at: now,
        completed_by: ctx.actor?.id ?? null,
        completion_note: logId ? `Maintenance done (maintenance log ${logId})` : "Maintenance done (plan reset)",
        maintenance_log_id: before.maintenance_log_id ?? logId ?? null,
        updated_at: now,
      };
      if (!(await actionsRepo.updateFrom(trx, before.id, OPEN_STATUSES, patch))) continue;
      await this.#audit.record(trx, ctx, {
        action: "action.complete",
        entity_type: "action",
        entity_id: before.id,
        changes: updateDiff(before, { ...before, ...patch }),
      });
    }
  }

  /** How many actions are overdue now (/metrics). */
  countOverdue(): Promise<number> {
    return actionsRepo.countOverdue(this.#db.kysely, todayOf());
  }

  /**
   * Reminders: open actions due today or tomorrow (`action_due_soon`: the due day begins within
   * the next 24 hours; days are UTC calendar days, like `overdue`) and past their due date
   * (`action_overdue`), to the assignee, or to engineers and up while nobody (active) is
   * assigned. Each goes once per action and due date (dedupe key), however often and on however
   * many instances this runs; a new due date earns new reminders. Only actions not reminded yet
   * are read, and each is reminded in a short transaction of its own that reads it afresh (one
   * completed or re-dated meanwhile gets no stale reminder), so a run never holds the database
   * for long.
   */
  async sendReminders(now = Date.now()): Promise<{ due_soon: number; overdue: number }> {
    const today = todayOf(now);
    const tomorrow = todayOf(now + DAY_MS);
    const sent = { due_soon: 0, overdue: 0 };
    const supervisorRoles = ROLES.filter((role) => can({ role }, "actions:assign"));
    const candidates = await actionsRepo.remindersDue(
      this.#db.kysely,
      { today, until: tomorrow, supervisorRoles },
      REMINDER_BATCH,
    );
    for (const candidate of candidates) {
      const kind = await transaction(this.#db, async (trx) => {
        const action = await actionsRepo.findById(trx, candidate.id);
        if (!action || !(OPEN_STATUSES as readonly string[]).includes(action.status)) return null;
        if (action.due_date === null || action.due_date > tomorrow) return null;
        const overdue = action.due_date < today;
        const kind = overdue ? "action_overdue" : "action_due_soon";
        const assignee = action.assignee_id ? await usersRepo.findById(trx, action.assignee_id) : undefined;
        const n = await this.#notifications.notifyIn(trx, {
          kind,
          userIds: assignee && toBool(assignee.active) ? [assignee.id] : await this.#notifications.supervisorsIn(trx),
          title: overdue
            ? `Overdue since ${action.due_date}: ${action.title}`
            : `Due ${action.due_date === today ? "today" : "tomorrow"} (${action.due_date}): ${action.title}`,
          body: action.description ?? undefined,
          entity_type: "action",
          entity_id: action.id,
          dedupe: `${kind}:${action.id}:${action.due_date}`,
        });
        return n > 0 ? kind : null;
      });
      if (kind) sent[kind === "action_overdue" ? "overdue" : "due_soon"]++;
    }
    if (sent.due_soon + sent.overdue > 0) this.#notifications.mailQueued();
    return sent;
  }

  async #tellAssignee(trx: Tx, action: Action, actorId: string): Promise<void> {
    await this.#notifications.notifyIn(
      trx,
      {
        kind: "action_assigned",
        userIds: [action.assignee_id!],
        title: `Action assigned to you: ${action.title}`,
        body: [
          `Priority ${action.priority}`,
          action.due_date ? `due ${action.due_date}` : "no due date",
          action.description ? `\n${action.description}` : "",
        ].join(", "),
        entity_type: "action",
        entity_id: action.id,
      },
      actorId,
    );
  }
}

/** An action row with nothing set yet: open, medium, unassigned. */
export function emptyAction(now: string): ActionRow {
  return {
    id: "",
    title: "",
    description: null,
    kind: "corrective",
    priority: "medium",
    assignee_id: null,
    due_date: null,
    status: "open",
    started_at: null,
    completed_at: null,
    completed_by: null,
    completion_note: null,
    verified_at: null,
    verified_by: null,
    cancelled_at: null,
    failure_report_id: null,
    tool_id: null,
    machine_id: null,
    repair_id: null,
    maintenance_log_id: null,
    plan_id: null,
    plan_cycle: null,
    created_by: null,
    created_at: now,
    updated_at: now,
  };
}

/** Who may make each move: the assignee or `actions:progress_any` forward; `actions:verify` for the rest. */
function requireMayMove(actor: Actor, action: ActionRow, move: Move): void {
  if (move === "start" || move === "complete") {
    const own = action.assignee_id === actor.id && can(actor, "actions:complete_own");
    if (!own && !can(actor, "actions:progress_any")) {
      throw new AppError(403, "FORBIDDEN", "Only the assignee, or an engineer and above, moves this action forward", [
        { field: "permission", message: "requires actions:progress_any", code: "actions:progress_any" },
      ]);
    }
    return;
  }
  if (!can(actor, "actions:verify")) {
    throw new AppError(403, "FORBIDDEN", `Your role (${actor.role}) may not ${move} actions; a manager does`, [
      { field: "permission", message: "requires actions:verify", code: "actions:verify" },
    ]);
  }
}

function requireAssigner(actor: Actor): void {
  if (!can(actor, "actions:assign")) {
    throw new AppError(
      403,
      "FORBIDDEN",
      `Your role (${actor.role}) may not assign actions to others; an engineer does`,
      [{ field: "assignee_id", message: "requires actions:assign", code: "actions:assign" }],
    );
  }
}

async function requireAssignee(db: Queryable, userId: string): Promise<void> {
  const user = await usersRepo.findById(db, userId);
  if (!user) throw validationFailed([{ field: "assignee_id", message: "No user with this id", code: "not_found" }]);
  if (!toBool(user.active)) {
    throw validationFailed([{ field: "assignee_id", message: "The user is deactivated", code: "inactive" }]);
  }
}

function pickLinks(fields: Partial<Links>): Links {
  return Object.fromEntries(LINKS.map((k) => [k, fields[k] ?? null])) as Links;
}

/**
 * The records an action points at must exist. A tool or machine not named is taken from the
 * failure report, maintenance log, plan or repair named, so filters by tool or machine find it.
 */
async function resolveLinks(db: Queryable, links: Links): Promise<Links> {
  const found = await checkLinks(db, links);
  const resolved = { ...links };
  if (!resolved.tool_id && !resolved.machine_id) {
    const source = found.failure_report ?? found.maintenance_log ?? found.plan;
    if (source) {
      resolved.tool_id = source.tool_id;
      resolved.machine_id = source.machine_id;
    } else if (found.repair) {
      resolved.machine_id = found.repair.machine_id;
    }
  }
  return resolved;
}

async function checkLinks(db: Queryable, links: Partial<Links>) {
  const missing = (field: string) =>
    validationFailed([{ field, message: "No record with this id", code: "not_found" }]);
  const found: {
    failure_report?: { tool_id: string | null; machine_id: string | null };
    maintenance_log?: { tool_id: string | null; machine_id: string | null };
    plan?: { tool_id: string | null; machine_id: string | null };
    repair?: { machine_id: string };
  } = {};
  if (links.failure_report_id) {
    found.failure_report = await failureReportsRepo.findById(db, links.failure_report_id);
    if (!found.failure_report) throw missing("failure_report_id");
  }
  if (links.tool_id && !(await toolsRepo.findById(db, links.tool_id))) throw missing("tool_id");
  if (links.machine_id && !(await machinesRepo.findById(db, links.machine_id))) throw missing("machine_id");
  if (links.repair_id) {
    found.repair = await repairsRepo.findById(db, links.repair_id);
    if (!found.repair) throw missing("repair_id");
  }
  if (links.maintenance_log_id) {
    found.maintenance_log = await maintenanceLogsRepo.findById(db, links.maintenance_log_id);
    if (!found.maintenance_log) throw missing("maintenance_log_id");
  }
  if (links.plan_id) {
    found.plan = await plansRepo.findById(db, links.plan_id);
    if (!found.plan) throw missing("plan_id");
  }
  return found;
}

/** A write that would give a plan interval a second action (unique plan_id, plan_cycle) is a 409. */
async function uniqueAction<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict("The plan already has an action for this interval", [
        { field: "plan_id", message: "already has an action for this interval", code: "duplicate" },
      ]);
    }
    throw error;
  }
}

function pastDue() {
  return validationFailed([
    {
      field: "due_date",
      message: "is in the past; send allow_past_due: true if that is meant",
      code: "past_due",
    },
  ]);
}

function illegalMove(from: string, to: string) {
  return conflict(`An action does not go from ${from} to ${to}`, [
    { field: "status", message: `is ${from}`, code: "illegal_transition" },
  ]);
}

function stale() {
  return conflict("The action changed meanwhile; reload it", [
    { field: "status", message: "changed by someone else", code: "stale" },
  ]);
}
