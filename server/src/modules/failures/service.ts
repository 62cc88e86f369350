import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { can } from "../../access/permissions.ts";
import { transaction, type Db, type Queryable, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { AppError, conflict, notFound, validationFailed, type ErrorDetail } from "../../errors.ts";
import { newId } from "../../ids.ts";
import {
  booleanQuery,
  codeInput,
  dateTimeInput,
  idInput,
  isInFuture,
  nameInput,
  optionalText,
  parseInput,
} from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import type { NotificationService } from "../notifications/service.ts";
import { machinesRepo } from "../plant/repo.ts";
import { insertUnique } from "../plant/service.ts";
import { toolsRepo } from "../tools/repo.ts";
import { failureCodesRepo, failureReportsRepo, type FailureCodeRow, type FailureReportRow } from "./repo.ts";

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export const ROOT_CAUSE_CATEGORIES = ["man", "machine", "method", "material", "measurement", "environment"] as const;
export const REPORT_STATUSES = ["open", "investigating", "closed"] as const;
export type Severity = (typeof SEVERITIES)[number];
type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Where a report may go from each status; closing has its own rule (a root cause). */
const REPORT_MOVES: Record<ReportStatus, readonly ReportStatus[]> = {
  open: ["investigating", "closed"],
  investigating: ["closed"],
  closed: ["investigating"], // reopened when the fix did not hold
};

export interface FailureCode {
  id: string;
  code: string;
  name: string;
  description: string | null;
  category: string | null;
  default_severity: Severity | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface FailureReport extends Omit<
  FailureReportRow,
  "affected_components" | "impacted_part_numbers" | "shots_at"
> {
  affected_components: string[];
  impacted_part_numbers: string[];
  shots_at: number | null;
}

const categoryInput = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[a-z0-9_]+$/, "may contain lower-case letters, digits and _ only");

export const createCodeSchema = z.strictObject({
  code: codeInput.transform((v) => v.toUpperCase()),
  name: nameInput,
  description: optionalText(2000),
  category: categoryInput,
  default_severity: z.enum(SEVERITIES).default("medium"),
  active: z.boolean().default(true),
});
export const updateCodeSchema = z.strictObject({
  code: createCodeSchema.shape.code.optional(),
  name: nameInput.optional(),
  description: optionalText(2000),
  category: categoryInput.optional(),
  default_severity: z.enum(SEVERITIES).optional(),
  active: z.boolean().optional(),
});
export const listCodesSchema = z.strictObject({
  category: z.string().max(64).optional(),
  active: booleanQuery.optional(),
  q: z.string().max(100).optional(),
});

const labelList = z
  .array(z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"))
  .max(100, "must hold at most 100 entries")
  .transform((items) => [...new Set(items)]);
const reportFields = {
  severity: z.enum(SEVERITIES),
  occurred_at: dateTimeInput,
  description: optionalText(4000),
  /** What is affected, e.g. cavity numbers ("3", "7") or "ejector side". */
  affected_components: labelList,
  impacted_part_numbers: labelList,
  containment_action: optionalText(4000),
  root_cause: optionalText(4000),
  root_cause_category: z.enum(ROOT_CAUSE_CATEGORIES).nullish(),
  status: z.enum(REPORT_STATUSES),
  shots_at: z.number().int().min(0, "must not be negative").max(1_000_000_000_000).nullish(),
};
export const createReportSchema = z.strictObject({
  tool_id: idInput.optional(),
  machine_id: idInput.optional(),
  failure_code_id: idInput,
  severity: reportFields.severity.optional(),
  occurred_at: reportFields.occurred_at.optional(),
  description: reportFields.description,
  affected_components: reportFields.affected_components.default([]),
  impacted_part_numbers: reportFields.impacted_part_numbers.default([]),
  containment_action: reportFields.containment_action,
  root_cause: reportFields.root_cause,
  root_cause_category: reportFields.root_cause_category,
  status: reportFields.status.default("open"),
  shots_at: reportFields.shots_at,
});
export const updateReportSchema = z.strictObject({
  failure_code_id: idInput.optional(),
  severity: reportFields.severity.optional(),
  occurred_at: reportFields.occurred_at.optional(),
  description: reportFields.description,
  affected_components: reportFields.affected_components.optional(),
  impacted_part_numbers: reportFields.impacted_part_numbers.optional(),
  containment_action: reportFields.containment_action,
  root_cause: reportFields.root_cause,
  root_cause_category: reportFields.root_cause_category,
  status: reportFields.status.optional(),
  shots_at: reportFields.shots_at,
});
export const listReportsSchema = z.strictObject({
  ...pageQuery,
  tool_id: idInput.optional(),
  machine_id: idInput.optional(),
  failure_code_id: idInput.optional(),
  status: z.enum(REPORT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  from: dateTimeInput.optional(),
  to: dateTimeInput.optional(),
});

/**
 * The failure-code catalogue and failure reports (SPEC §9). Anyone from operator up reports a
 * failure at the press; technicians and up investigate and close it (closing needs a root
 * cause). A high or critical report tells the engineers and managers at once.
 */
export class FailureService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #notifications: NotificationService;

  constructor(db: Db, audit: AuditService, notifications: NotificationService) {
    this.#db = db;
    this.#audit = audit;
    this.#notifications = notifications;
  }

  // --- catalogue -------------------------------------------------------------------------

  async listCodes(ctx: RequestContext, query: unknown): Promise<{ items: FailureCode[] }> {
    authorize(ctx, "plant:read");
    const q = parseInput(listCodesSchema, query);
    return { items: (await failureCodesRepo.list(this.#db.kysely, q)).map(publicCode) };
  }

  async getCode(ctx: RequestContext, id: string): Promise<FailureCode> {
    authorize(ctx, "plant:read");
    const row = await failureCodesRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Failure code");
    return publicCode(row);
  }

  async codesByIds(ctx: RequestContext, ids: readonly string[]): Promise<FailureCode[]> {
    authorize(ctx, "plant:read");
    return (await failureCodesRepo.findByIds(this.#db.kysely, ids)).map(publicCode);
  }

  async createCode(ctx: RequestContext, input: unknown): Promise<FailureCode> {
    authorize(ctx, "catalog:write");
    const fields = parseInput(createCodeSchema, input);
    return insertUnique(
      () =>
        transaction(this.#db, async (trx) => {
          const now = new Date().toISOString();
          const row = {
            id: newId(),
            ...fields,
            description: fields.description ?? null,
            created_at: now,
            updated_at: now,
          };
          await failureCodesRepo.insert(trx, row);
          const created = publicCode((await failureCodesRepo.findById(trx, row.id))!);
          await this.#audit.record(trx, ctx, {
            action: "failure_code.create",
            entity_type: "failure_code",
            entity_id: row.id,
            changes: diff(null, created),
          });
          return created;
        }),
      "Failure",
    );
  }

  /** Edits a code; `active: false` retires it (reports keep it, new ones cannot pick it). */
  async updateCode(ctx: RequestContext, id: string, input: unknown): Promise<FailureCode> {
    authorize(ctx, "catalog:write");
    const patch = parseInput(updateCodeSchema, input);
    return insertUnique(
      () =>
        transaction(this.#db, async (trx) => {
          const before = await failureCodesRepo.findById(trx, id);
          if (!before) throw notFound("Failure code");
          await failureCodesRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() });
          const after = publicCode((await failureCodesRepo.findById(trx, id))!);
          await this.#audit.record(trx, ctx, {
            action: "failure_code.update",
            entity_type: "failure_code",
            entity_id: id,
            changes: updateDiff(publicCode(before), after),
          });
          return after;
        }),
      "Failure",
    );
  }

  // --- reports ---------------------------------------------------------------------------

  async getReport(ctx: RequestContext, id: string): Promise<FailureReport> {
    authorize(ctx, "plant:read");
    const row = await failureReportsRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Failure report");
    return publicReport(row);
  }

  async reportsByIds(ctx: RequestContext, ids: readonly string[]): Promise<FailureReport[]> {
    authorize(ctx, "plant:read");
    return (await failureReportsRepo.findByIds(this.#db.kysely, ids)).map(publicReport);
  }

  async listReports(ctx: RequestContext, query: unknown): Promise<Page<FailureReport>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listReportsSchema, query);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await failureReportsRepo.list(
      this.#db.kysely,
      {
        toolId: q.tool_id,
        machineId: q.machine_id,
        failureCodeId: q.failure_code_id,
        status: q.status,
        severity: q.severity,
        from: q.from,
        to: q.to,
        before,
      },
      q.limit + 1,
    );
    return toPage(rows, q.limit, (r) => [r.occurred_at, r.id], publicReport);
  }

  async createReport(ctx: RequestContext, input: unknown): Promise<FailureReport> {
    const actor = authorize(ctx, "failures:report");
    const fields = parseInput(createReportSchema, input);
    // Reporting is what is seen at the press; a status or a root cause is the investigation's.
    if (!can(actor, "failures:investigate")) {
      const investigated = (["status", "root_cause", "root_cause_category"] as const).find((k) =>
        k === "status" ? fields.status !== "open" : fields[k] != null,
      );
      if (investigated) {
        throw new AppError(
          403,
          "FORBIDDEN",
          `Your role (${actor.role}) may report a failure but not set its ${investigated}; a technician does`,
          [{ field: investigated, message: "requires failures:investigate", code: "failures:investigate" }],
        );
      }
    }
    if ((fields.tool_id === undefined) === (fields.machine_id === undefined)) {
      throw validationFailed([
        {
          field: fields.tool_id ? "machine_id" : "tool_id",
          message: "Give exactly one of tool_id and machine_id",
          code: "one_of",
        },
      ]);
    }
    const now = new Date().toISOString();
    const occurredAt = fields.occurred_at ?? now;
    const created = await transaction(this.#db, async (trx) => {
      const code = await requireActiveCode(trx, fields.failure_code_id);
      const shots = await requireSubject(trx, fields.tool_id, fields.machine_id);
      const row = {
        id: newId(),
        tool_id: fields.tool_id ?? null,
        machine_id: fields.machine_id ?? null,
        failure_code_id: code.id,
        severity: fields.severity ?? (code.default_severity as Severity | null) ?? "medium",
        occurred_at: occurredAt,
        description: fields.description ?? null,
        affected_components: JSON.stringify(fields.affected_components),
        impacted_part_numbers: JSON.stringify(fields.impacted_part_numbers),
        containment_action: fields.containment_action ?? null,
        root_cause: fields.root_cause ?? null,
        root_cause_category: fields.root_cause_category ?? null,
        status: fields.status,
        shots_at: fields.shots_at ?? shots,
        reported_by: actor.id,
        closed_at: fields.status === "closed" ? now : null,
        created_at: now,
        updated_at: now,
      };
      checkReport(row);
      await failureReportsRepo.insert(trx, row);
      const report = publicReport((await failureReportsRepo.findById(trx, row.id))!);
      await this.#audit.record(trx, ctx, {
        action: "failure_report.create",
        entity_type: "failure_report",
        entity_id: row.id,
        changes: diff(null, report),
      });
      if (isSerious(report.severity)) await this.#tellSupervisors(trx, report, code, actor.id);
      return report;
    });
    this.#notifications.mailQueued();
    return created;
  }

  /**
   * Investigation: corrects the report and moves its status. Closing needs a root cause and its
   * category; a closed report only reopens (to investigating). Of two concurrent moves from the
   * same status one wins; the other gets a 409.
   */
  async updateReport(ctx: RequestContext, id: string, input: unknown): Promise<FailureReport> {
    const actor = authorize(ctx, "failures:investigate");
    const patch = parseInput(updateReportSchema, input);
    const updated = await transaction(this.#db, async (trx) => {
      const before = await failureReportsRepo.findById(trx, id);
      if (!before) throw notFound("Failure report");
      const from = before.status as ReportStatus;
      const to = patch.status ?? from;
      if (to !== from && !REPORT_MOVES[from].includes(to)) {
        throw conflict(`A failure report does not go from ${from} to ${to}`, [
          { field: "status", message: `not allowed from ${from}`, code: "illegal_transition" },
        ]);
      }
      const editsOtherThanStatus = Object.keys(patch).some((k) => k !== "status");
      if (from === "closed" && to === "closed" && editsOtherThanStatus) {
        throw conflict("The report is closed; reopen it (status investigating) to change it", [
          { field: "status", message: "closed", code: "closed" },
        ]);
      }
      if (patch.failure_code_id && patch.failure_code_id !== before.failure_code_id) {
        await requireActiveCode(trx, patch.failure_code_id);
      }
      const now = new Date().toISOString();
      const { affected_components, impacted_part_numbers, ...rest } = patch;
      const next = {
        ...before,
        ...rest,
        ...(affected_components ? { affected_components: JSON.stringify(affected_components) } : {}),
        ...(impacted_part_numbers ? { impacted_part_numbers: JSON.stringify(impacted_part_numbers) } : {}),
        closed_at: to === "closed" ? (from === "closed" ? before.closed_at : now) : null,
        updated_at: now,
      };
      checkReport(next);
      // Only what this edit changes is written: a concurrent edit of other fields stays. Closing
      // on a root cause this edit does not send needs that root cause still stored.
      const changes = {
        ...rest,
        ...(affected_components ? { affected_components: next.affected_components } : {}),
        ...(impacted_part_numbers ? { impacted_part_numbers: next.impacted_part_numbers } : {}),
        closed_at: next.closed_at,
        updated_at: now,
      };
      const keep = to === "closed" ? ROOT_CAUSE_FIELDS.filter((k) => !(k in patch)) : [];
      if (!(await failureReportsRepo.updateFrom(trx, id, from, changes, keep))) {
        throw conflict("The report changed meanwhile; reload it", [
          { field: "status", message: "changed by someone else", code: "stale" },
        ]);
      }
      const after = publicReport((await failureReportsRepo.findById(trx, id))!);
      await this.#audit.record(trx, ctx, {
        action: to === "closed" && from !== "closed" ? "failure_report.close" : "failure_report.update",
        entity_type: "failure_report",
        entity_id: id,
        changes: updateDiff(publicReport(before), after),
      });
      // Raised to high or critical while investigating: the same alert as a serious report.
      if (isSerious(after.severity) && !isSerious(before.severity)) {
        const code = (await failureCodesRepo.findById(trx, after.failure_code_id))!;
        await this.#tellSupervisors(trx, after, code, actor.id);
      }
      return after;
    });
    this.#notifications.mailQueued();
    return updated;
  }

  async #tellSupervisors(trx: Tx, report: FailureReport, code: FailureCodeRow, actorId: string): Promise<void> {
    const subject = report.tool_id
      ? `tool ${(await toolsRepo.findById(trx, report.tool_id))?.asset_number ?? report.tool_id}`
      : `machine ${(await machinesRepo.findById(trx, report.machine_id!))?.code ?? report.machine_id}`;
    await this.#notifications.notifyIn(
      trx,
      {
        kind: "failure_reported",
        userIds: await this.#notifications.supervisorsIn(trx),
        title: `${report.severity === "critical" ? "Critical" : "High"} failure on ${subject}: ${code.code} ${code.name}`,
        body: [
          `Occurred at ${report.occurred_at}.`,
          report.description,
          report.affected_components.length ? `Affected: ${report.affected_components.join(", ")}` : null,
          report.containment_action ? `Containment: ${report.containment_action}` : null,
        ]
          .filter(Boolean)
          .join("\n"),
        entity_type: "failure_report",
        entity_id: report.id,
        dedupe: `failure_reported:${report.id}`,
      },
      actorId,
    );
  }
}

const ROOT_CAUSE_FIELDS = ["root_cause", "root_cause_category"] as const;

function isSerious(severity: string): boolean {
  return severity === "high" || severity === "critical";
}

/** A new report's code must exist and be in use; else a 422 on `failure_code_id`. */
async function requireActiveCode(db: Queryable, id: string): Promise<FailureCodeRow> {
  const code = await failureCodesRepo.findById(db, id);
  if (!code) {
    throw validationFailed([{ field: "failure_code_id", message: "No failure code with this id", code: "not_found" }]);
  }
  if (!toBool(code.active)) {
    throw validationFailed([
      { field: "failure_code_id", message: `Failure code ${code.code} is no longer in use`, code: "inactive" },
    ]);
  }
  return code;
}

/** The tool or machine must exist and be in service. Returns the tool's lifetime shots (null for a machine). */
async function requireSubject(db: Queryable, toolId?: string, machineId?: string): Promise<number | null> {
  if (toolId) {
    const tool = await toolsRepo.findById(db, toolId);
    if (!tool) throw validationFailed([{ field: "tool_id", message: "No tool with this id", code: "not_found" }]);
    if (tool.status === "retired") {
      throw validationFailed([{ field: "tool_id", message: "The tool is retired", code: "retired" }]);
    }
    return Number(tool.lifetime_shots);
  }
  const machine = await machinesRepo.findById(db, machineId!);
  if (!machine)
    throw validationFailed([{ field: "machine_id", message: "No machine with this id", code: "not_found" }]);
  if (machine.status === "retired") {
    throw validationFailed([{ field: "machine_id", message: "The machine is retired", code: "retired" }]);
  }
  return null;
}

/** A report's own rules: not in the future; closed only with a root cause and its category. */
function checkReport(report: {
  occurred_at: string;
  status: string;
  root_cause: string | null;
  root_cause_category: string | null;
}): void {
  const details: ErrorDetail[] = [];
  if (isInFuture(report.occurred_at)) {
    details.push({ field: "occurred_at", message: "must not be in the future", code: "future" });
  }
  if (report.status === "closed") {
    if (!report.root_cause) {
      details.push({ field: "root_cause", message: "is required to close a report", code: "required_to_close" });
    }
    if (!report.root_cause_category) {
      details.push({
        field: "root_cause_category",
        message: "is required to close a report",
        code: "required_to_close",
      });
    }
  }
  if (details.length > 0) throw validationFailed(details);
}

export function publicCode(row: FailureCodeRow): FailureCode {
  return {
    ...row,
    description: row.description ?? null,
    default_severity: row.default_severity as Severity | null,
    active: toBool(row.active),
  };
}

export function publicReport(row: FailureReportRow): FailureReport {
  return {
    ...row,
    affected_components: JSON.parse(row.affected_components) as string[],
    impacted_part_numbers: JSON.parse(row.impacted_part_numbers) as string[],
    shots_at: row.shots_at === null ? null : Number(row.shots_at),
  };
}
