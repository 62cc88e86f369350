import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { verifyPassword } from "../../access/passwords.ts";
import { can } from "../../access/permissions.ts";
import { FailureThrottle } from "../../access/throttle.ts";
import { transaction, type Db, type Queryable, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { AppError, conflict, forbidden, notFound, rateLimited, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { dateTimeInput, idInput, optionalText, parseInput, periodBoundInput, isInFuture } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { stepIdInput, templateForLog, templateVersion, type ChecklistTemplate } from "../checklists/service.ts";
import { requireMachineInService } from "../plant/service.ts";
import { plansRepo, type PlanRow } from "../plans/repo.ts";
import type { PlanService } from "../plans/service.ts";
import { toolsRepo } from "../tools/repo.ts";
import { usersRepo } from "../users/repo.ts";
import { maintenanceLogsRepo, type ActionRequestRow, type MaintenanceLogRow } from "./repo.ts";
import { actionRequestsOf, checkResults, requireComplete, type LogResult } from "./results.ts";

export const LOG_KINDS = [
  "post_run_inspection",
  "preventive",
  "cleaning",
  "lubrication",
  "spare_part_replacement",
  "storage",
  "other",
] as const;
export const LOG_STATUSES = ["draft", "completed", "signed"] as const;

/** What completing a log asks of the actions module, in the log's transaction (findings become actions). */
export interface LogFollowUps {
  fromLogRequestsIn(trx: Tx, ctx: RequestContext, log: MaintenanceLogRow): Promise<void>;
}

/** Wrong sign-off passwords per user before a pause (in memory, per instance). */
const SIGN_MAX_FAILURES = 5;
const SIGN_WINDOW_MS = 15 * 60_000;

export interface SparePart {
  part: string;
  quantity: number;
}

export interface ActionRequest {
  id: string;
  reason: "failed_step" | "follow_up";
  step_id: string | null;
  title: string;
  note: string | null;
  /** The action made from this request, once the actions module has made one. */
  action_id: string | null;
  created_at: string;
}

export interface MaintenanceLog {
  id: string;
  tool_id: string | null;
  machine_id: string | null;
  plan_id: string | null;
  template_id: string | null;
  template_version: number | null;
  kind: (typeof LOG_KINDS)[number];
  performed_by: string;
  performed_at: string;
  duration_minutes: number | null;
  shots_at: number | null;
  results: LogResult[];
  observations: string | null;
  spare_parts: SparePart[];
  cleaning_agents: string | null;
  follow_up_required: boolean;
  status: (typeof LOG_STATUSES)[number];
  completed_at: string | null;
  signed_by: string | null;
  signed_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  action_requests: ActionRequest[];
}

const resultSchema = z.strictObject({
  step_id: stepIdInput,
  value: z.union([z.boolean(), z.number(), z.string().max(4000, "must be at most 4000 characters")]).nullable(),
  passed: z.boolean().nullish(),
  note: optionalText(2000),
});
const sparePartSchema = z.strictObject({
  part: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  quantity: z.number().positive("must be more than 0").max(1_000_000),
});
const logFields = {
  plan_id: idInput.nullable(),
  template_id: idInput.nullable(),
  template_version: z.number().int().min(1).nullable(),
  kind: z.enum(LOG_KINDS),
  performed_by: idInput,
  performed_at: dateTimeInput,
  duration_minutes: z.number().int().min(0, "must not be negative").max(10_080, "must be at most a week").nullable(),
  results: z.array(resultSchema).max(200),
  observations: optionalText(4000),
  spare_parts: z.array(sparePartSchema).max(100),
  cleaning_agents: optionalText(1000),
  follow_up_required: z.boolean(),
  /** `completed` completes the log; signing has its own call. */
  status: z.enum(["draft", "completed"]),
};

export const createLogSchema = z.strictObject({
  tool_id: idInput.optional(),
  machine_id: idInput.optional(),
  plan_id: logFields.plan_id.optional(),
  template_id: logFields.template_id.optional(),
  template_version: logFields.template_version.optional(),
  kind: logFields.kind,
  performed_by: logFields.performed_by.optional(),
  performed_at: logFields.performed_at.optional(),
  duration_minutes: logFields.duration_minutes.optional(),
  results: logFields.results.default([]),
  observations: logFields.observations,
  spare_parts: logFields.spare_parts.default([]),
  cleaning_agents: logFields.cleaning_agents,
  follow_up_required: logFields.follow_up_required.default(false),
  status: logFields.status.default("draft"),
});
export const updateLogSchema = z.strictObject({
  plan_id: logFields.plan_id.optional(),
  template_id: logFields.template_id.optional(),
  template_version: logFields.template_version.optional(),
  kind: logFields.kind.optional(),
  performed_by: logFields.performed_by.optional(),
  performed_at: logFields.performed_at.optional(),
  duration_minutes: logFields.duration_minutes.optional(),
  results: logFields.results.optional(),
  observations: logFields.observations,
  spare_parts: logFields.spare_parts.optional(),
  cleaning_agents: logFields.cleaning_agents,
  follow_up_required: logFields.follow_up_required.optional(),
  status: logFields.status.optional(),
});
export const listLogsSchema = z.strictObject({
  ...pageQuery,
  tool_id: idInput.optional(),
  machine_id: idInput.optional(),
  plan_id: idInput.optional(),
  status: z.enum(LOG_STATUSES).optional(),
  kind: z.enum(LOG_KINDS).optional(),
  from: periodBoundInput.optional(),
  to: periodBoundInput.optional(),
});
export const signLogSchema = z.strictObject({ password: z.string().min(1, "must not be empty").max(256) });

/**
 * Maintenance logs of tools and machines (SPEC §8): draft → completed → signed. Results are
 * checked against the template version the log uses; completing needs every required step,
 * takes the tool's shot count and resets the plan the log names; signing re-checks the signer's
 * password and freezes the log.
 */
export class MaintenanceLogService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #plans: PlanService;
  readonly #followUps: LogFollowUps | undefined;
  readonly #signThrottle = new FailureThrottle(SIGN_MAX_FAILURES, SIGN_WINDOW_MS);

  constructor(db: Db, audit: AuditService, plans: PlanService, followUps?: LogFollowUps) {
    this.#db = db;
    this.#audit = audit;
    this.#plans = plans;
    this.#followUps = followUps;
  }

  async get(ctx: RequestContext, id: string): Promise<MaintenanceLog> {
    authorize(ctx, "plant:read");
    const row = await maintenanceLogsRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Maintenance log");
    return (await this.#withRequests(this.#db.kysely, [row]))[0];
  }

  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<MaintenanceLog[]> {
    authorize(ctx, "plant:read");
    return this.#withRequests(this.#db.kysely, await maintenanceLogsRepo.findByIds(this.#db.kysely, ids));
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<MaintenanceLog>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listLogsSchema, query);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await maintenanceLogsRepo.list(
      this.#db.kysely,
      {
        toolId: q.tool_id,
        machineId: q.machine_id,
        planId: q.plan_id,
        status: q.status,
        kind: q.kind,
        from: q.from,
        to: q.to,
        before,
      },
      q.limit + 1,
    );
    const requests = await maintenanceLogsRepo.actionRequestsOf(
      this.#db.kysely,
      rows.slice(0, q.limit).map((r) => r.id),
    );
    return toPage(
      rows,
      q.limit,
      (r) => [r.performed_at, r.id],
      (r) => publicLog(r, requests),
    );
  }

  async create(ctx: RequestContext, input: unknown): Promise<MaintenanceLog> {
    const actor = authorize(ctx, "maintenance:write");
    const fields = parseInput(createLogSchema, input);
    const subject = subjectOf(fields.tool_id, fields.machine_id);
    if (fields.template_version != null && fields.template_id == null) {
      throw validationFailed([
        { field: "template_id", message: "is required with template_version", code: "required" },
      ]);
    }
    const performedAt = fields.performed_at ?? new Date().toISOString();
    notInFuture(performedAt);
    return transaction(this.#db, async (trx) => {
      const shots = await requireSubject(trx, subject);
      const plan = fields.plan_id ? await requirePlanOf(trx, fields.plan_id, subject) : undefined;
      // Left out (not null), the checklist is the plan's.
      const templateId = fields.template_id === undefined ? (plan?.checklist_template_id ?? null) : fields.template_id;
      const template = templateId
        ? await templateForLog(trx, templateId, fields.template_version ?? undefined, subject.kind)
        : null;
      const performedBy = fields.performed_by ?? actor.id;
      if (fields.performed_by) await requireUser(trx, performedBy);
      const results = checkResults(template?.steps ?? [], fields.results);
      const completed = fields.status === "completed";
      if (completed) requireComplete(template?.steps ?? [], results);
      const now = new Date().toISOString();
      const row = {
        id: newId(),
        tool_id: subject.kind === "tool" ? subject.id : null,
        machine_id: subject.kind === "machine" ? subject.id : null,
        plan_id: fields.plan_id ?? null,
        template_id: template?.id ?? null,
        template_version: template?.version ?? null,
        kind: fields.kind,
        performed_by: performedBy,
        performed_at: performedAt,
        duration_minutes: fields.duration_minutes ?? null,
        shots_at: shots,
        results: JSON.stringify(results),
        observations: fields.observations ?? null,
        spare_parts: JSON.stringify(fields.spare_parts),
        cleaning_agents: fields.cleaning_agents ?? null,
        follow_up_required: fields.follow_up_required,
        status: fields.status,
        completed_at: completed ? now : null,
        signed_by: null,
        signed_at: null,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
      };
      await maintenanceLogsRepo.insert(trx, row);
      const stored = (await maintenanceLogsRepo.findById(trx, row.id))!;
      if (completed) await this.#completeIn(trx, ctx, stored, template);
      const [created] = await this.#withRequests(trx, [stored]);
      await this.#audit.record(trx, ctx, {
        action: "maintenance_log.create",
        entity_type: "maintenance_log",
        entity_id: row.id,
        changes: diff(null, auditView(created)),
      });
      return created;
    });
  }

  /**
   * Changes an unsigned log. `status: "completed"` completes a draft; a completed log can still
   * be corrected (its required steps stay answered) but does not go back to draft, and its plan
   * and template are fixed. A signed log refuses every change (409).
   */
  async update(ctx: RequestContext, id: string, input: unknown): Promise<MaintenanceLog> {
    const actor = authorize(ctx, "maintenance:write");
    const patch = parseInput(updateLogSchema, input);
    if (patch.performed_at) notInFuture(patch.performed_at);
    return transaction(this.#db, async (trx) => {
      const before = await maintenanceLogsRepo.lockById(trx, id);
      if (!before) throw notFound("Maintenance log");
      requireNotSigned(before);
      // A log is its performer's (and its recorder's) record: another technician changing it is
      // the same overreach as signing it, so the same permission covers both (docs/decisions.md).
      if (
        before.performed_by !== actor.id &&
        before.created_by !== actor.id &&
        !can(actor, "maintenance:sign_others")
      ) {
        throw new AppError(
          403,
          "FORBIDDEN",
          "Your role changes only logs you performed or recorded; an engineer changes others'",
          [{ field: "performed_by", message: "requires maintenance:sign_others", code: "maintenance:sign_others" }],
        );
      }
      const wasCompleted = before.status === "completed";
      if (wasCompleted && patch.status === "draft") {
        throw conflict("A completed log does not go back to draft", [
          { field: "status", message: "already completed", code: "already_completed" },
        ]);
      }
      const templateChanged =
        (patch.template_id !== undefined && patch.template_id !== before.template_id) ||
        (patch.template_version !== undefined && patch.template_version !== before.template_version);
      const planChanged = patch.plan_id !== undefined && patch.plan_id !== before.plan_id;
      if (wasCompleted && (templateChanged || planChanged)) {
        const field = templateChanged ? "template_id" : "plan_id";
        throw conflict("The plan and the checklist of a completed log are fixed", [
          { field, message: "fixed once the log is completed", code: "fixed_after_completion" },
        ]);
      }
      const subject = before.tool_id
        ? { kind: "tool" as const, id: before.tool_id }
        : { kind: "machine" as const, id: before.machine_id! };
      if (planChanged && patch.plan_id) await requirePlanOf(trx, patch.plan_id, subject);
      if (patch.performed_by && patch.performed_by !== before.performed_by) await requireUser(trx, patch.performed_by);

      let template: ChecklistTemplate | null;
      if (templateChanged) {
        const templateId = patch.template_id !== undefined ? patch.template_id : before.template_id;
        if (templateId === null) {
          if (patch.template_version != null) {
            throw validationFailed([
              { field: "template_id", message: "is required with template_version", code: "required" },
            ]);
          }
          template = null;
        } else {
          // A new template without a version means its newest; the same template with a version, that version.
          const version =
            patch.template_version !== undefined
              ? (patch.template_version ?? undefined)
              : patch.template_id !== before.template_id
                ? undefined
                : (before.template_version ?? undefined);
          template = await templateForLog(trx, templateId, version, subject.kind);
        }
      } else {
        template = await storedTemplate(trx, before);
      }

      const results =
        patch.results !== undefined || templateChanged
          ? checkResults(template?.steps ?? [], patch.results ?? (JSON.parse(before.results) as LogResult[]))
          : (JSON.parse(before.results) as LogResult[]);
      const status = patch.status ?? before.status;
      const completing = status === "completed" && !wasCompleted;
      if (status === "completed") requireComplete(template?.steps ?? [], results);

      const now = new Date().toISOString();
      const { results: _r, spare_parts: spareParts, template_id: _t, template_version: _v, ...rest } = patch;
      await maintenanceLogsRepo.update(trx, id, {
        ...rest,
        template_id: template?.id ?? null,
        template_version: template?.version ?? null,
        results: JSON.stringify(results),
        ...(spareParts !== undefined ? { spare_parts: JSON.stringify(spareParts) } : {}),
        ...(completing ? { completed_at: now, shots_at: await shotsOf(trx, subject) } : {}),
        updated_at: now,
      });
      const updated = (await maintenanceLogsRepo.findById(trx, id))!;
      if (completing) await this.#completeIn(trx, ctx, updated, template);
      else if (status === "completed") await this.#recordRequests(trx, ctx, updated, template);
      const [beforeView, after] = await this.#withRequests(trx, [before, updated]);
      await this.#audit.record(trx, ctx, {
        action: completing ? "maintenance_log.complete" : "maintenance_log.update",
        entity_type: "maintenance_log",
        entity_id: id,
        changes: updateDiff(auditView(beforeView), auditView(after)),
      });
      return after;
    });
  }

  /**
   * Signs a completed log as the caller, after checking the caller's password again. A
   * technician signs logs they performed; signing someone else's needs
   * `maintenance:sign_others` (engineer and above). A wrong password is a 403
   * `WRONG_PASSWORD` (not a 401: the session is fine) and is audited.
   */
  async sign(ctx: RequestContext, id: string, input: unknown): Promise<MaintenanceLog> {
    const actor = authorize(ctx, "maintenance:write");
    const { password } = parseInput(signLogSchema, input);
    const wait = this.#signThrottle.retryAfter(actor.id);
    if (wait > 0) throw rateLimited("Too many wrong passwords; try again later", wait);
    const log = await maintenanceLogsRepo.findById(this.#db.kysely, id);
    if (!log) throw notFound("Maintenance log");
    requireSignable(log);
    if (log.performed_by !== actor.id && !can(actor, "maintenance:sign_others")) {
      throw forbidden("Your role signs only logs you performed; an engineer signs others'");
    }
    const user = await usersRepo.findById(this.#db.kysely, actor.id);
    if (!user || !(await verifyPassword(user.password_hash, password))) {
      this.#signThrottle.fail(actor.id);
      await this.#audit.recordAlone(ctx, {
        action: "maintenance_log.sign_failed",
        entity_type: "maintenance_log",
        entity_id: id,
        changes: { reason: [null, "wrong_password"] },
      });
      throw new AppError(403, "WRONG_PASSWORD", "The password is not right; the log was not signed", [
        { field: "password", message: "is not your password", code: "wrong_password" },
      ]);
    }
    return transaction(this.#db, async (trx) => {
      const before = (await maintenanceLogsRepo.lockById(trx, id))!;
      requireSignable(before); // another sign-off or edit may have come first
      const now = new Date().toISOString();
      await maintenanceLogsRepo.update(trx, id, {
        status: "signed",
        signed_by: actor.id,
        signed_at: now,
        updated_at: now,
      });
      const [after] = await this.#withRequests(trx, [(await maintenanceLogsRepo.findById(trx, id))!]);
      await this.#audit.record(trx, ctx, {
        action: "maintenance_log.sign",
        entity_type: "maintenance_log",
        entity_id: id,
        changes: { status: [before.status, "signed"], signed_by: [null, actor.id], signed_at: [null, now] },
      });
      return after;
    });
  }

  /** Completion's side effects: action requests, and the plan the log satisfies starts over. */
  async #completeIn(
    trx: Tx,
    ctx: RequestContext,
    log: MaintenanceLogRow,
    template: ChecklistTemplate | null,
  ): Promise<void> {
    await this.#recordRequests(trx, ctx, log, template);
    if (log.plan_id) await this.#plans.resetIn(trx, ctx, log.plan_id, log.performed_at, log.id);
  }

  async #recordRequests(
    trx: Tx,
    ctx: RequestContext,
    log: MaintenanceLogRow,
    template: ChecklistTemplate | null,
  ): Promise<void> {
    const drafts = actionRequestsOf(template?.steps ?? [], {
      results: JSON.parse(log.results) as LogResult[],
      follow_up_required: toBool(log.follow_up_required),
      observations: log.observations,
    });
    // Requests already turned into actions stay; the same finding is not asked for twice.
    const done = (await maintenanceLogsRepo.actionRequestsOf(trx, [log.id])).filter((r) => r.action_id !== null);
    const now = new Date().toISOString();
    await maintenanceLogsRepo.replacePendingRequests(
      trx,
      log.id,
      drafts
        .filter((d) => !done.some((r) => r.reason === d.reason && r.step_id === d.step_id))
        .map((d) => ({ id: newId(), maintenance_log_id: log.id, ...d, action_id: null, created_at: now })),
    );
    // The findings become actions in this same transaction (docs/failures-and-actions.md).
    await this.#followUps?.fromLogRequestsIn(trx, ctx, log);
  }

  async #withRequests(db: Queryable, rows: MaintenanceLogRow[]): Promise<MaintenanceLog[]> {
    const requests = await maintenanceLogsRepo.actionRequestsOf(db, [...new Set(rows.map((r) => r.id))]);
    return rows.map((row) => publicLog(row, requests));
  }
}

type Subject = { kind: "tool" | "machine"; id: string };

function subjectOf(toolId: string | undefined, machineId: string | undefined): Subject {
  if ((toolId === undefined) === (machineId === undefined)) {
    throw validationFailed([
      {
        field: toolId ? "machine_id" : "tool_id",
        message: "Give exactly one of tool_id and machine_id",
        code: "one_of",
      },
    ]);
  }
  return toolId ? { kind: "tool", id: toolId } : { kind: "machine", id: machineId! };
}

/** The tool or machine must exist and be in service; returns the tool's shots now. */
async function requireSubject(trx: Tx, subject: Subject): Promise<number | null> {
  if (subject.kind === "machine") {
    await requireMachineInService(trx, subject.id);
    return null;
  }
  const tool = await toolsRepo.findById(trx, subject.id);
  if (!tool) throw validationFailed([{ field: "tool_id", message: "No tool with this id", code: "not_found" }]);
  if (tool.status === "retired") {
    throw validationFailed([{ field: "tool_id", message: "The tool is retired", code: "retired" }]);
  }
  return Number(tool.lifetime_shots);
}

async function shotsOf(trx: Tx, subject: Subject): Promise<number | null> {
  if (subject.kind !== "tool") return null;
  return Number((await toolsRepo.findById(trx, subject.id))?.lifetime_shots ?? 0);
}

async function requirePlanOf(trx: Tx, planId: string, subject: Subject): Promise<PlanRow> {
  const plan = await plansRepo.findById(trx, planId);
  if (!plan)
    throw validationFailed([{ field: "plan_id", message: "No maintenance plan with this id", code: "not_found" }]);
  if ((subject.kind === "tool" ? plan.tool_id : plan.machine_id) !== subject.id) {
    throw validationFailed([
      {
        field: "plan_id",
        message: `The plan belongs to another ${plan.tool_id ? "tool" : "machine"}`,
        code: "other_owner",
      },
    ]);
  }
  return plan;
}

async function requireUser(trx: Tx, userId: string): Promise<void> {
  const user = await usersRepo.findById(trx, userId);
  if (!user || !toBool(user.active)) {
    throw validationFailed([{ field: "performed_by", message: "No active user with this id", code: "not_found" }]);
  }
}

async function storedTemplate(trx: Tx, log: MaintenanceLogRow): Promise<ChecklistTemplate | null> {
  if (log.template_id === null || log.template_version === null) return null;
  return (await templateVersion(trx, log.template_id, Number(log.template_version))) ?? null;
}

function notInFuture(at: string): void {
  if (isInFuture(at)) {
    throw validationFailed([{ field: "performed_at", message: "must not be in the future", code: "future" }]);
  }
}

function requireNotSigned(log: MaintenanceLogRow): void {
  if (log.status === "signed") {
    throw conflict("The log is signed and can no longer change", [
      { field: "status", message: "signed", code: "signed" },
    ]);
  }
}

function requireSignable(log: MaintenanceLogRow): void {
  requireNotSigned(log);
  if (log.status !== "completed") {
    throw conflict("Complete the log before signing it", [
      { field: "status", message: "not completed", code: "not_completed" },
    ]);
  }
}

/** The log as the APIs show it; `requests` may hold other logs' requests too. */
export function publicLog(row: MaintenanceLogRow, requests: ActionRequestRow[]): MaintenanceLog {
  const results = JSON.parse(row.results) as LogResult[];
  // Failed steps in checklist order, then the follow-up flag.
  const position = (r: ActionRequestRow) =>
    r.reason === "follow_up" ? results.length : results.findIndex((x) => x.step_id === r.step_id);
  return {
    ...row,
    kind: row.kind as MaintenanceLog["kind"],
    status: row.status as MaintenanceLog["status"],
    template_version: row.template_version === null ? null : Number(row.template_version),
    shots_at: row.shots_at === null ? null : Number(row.shots_at),
    results,
    spare_parts: JSON.parse(row.spare_parts) as SparePart[],
    follow_up_required: toBool(row.follow_up_required),
    action_requests: requests
      .filter((r) => r.maintenance_log_id === row.id)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || position(a) - position(b))
      .map(({ maintenance_log_id: _log, ...r }) => ({ ...r, reason: r.reason as ActionRequest["reason"] })),
  };
}

/** What audit entries compare: the log without bookkeeping columns. */
function auditView(log: MaintenanceLog) {
  const { updated_at: _u, action_requests, ...rest } = log;
  return { ...rest, action_requests: action_requests.map((r) => ({ reason: r.reason, step_id: r.step_id })) };
}
