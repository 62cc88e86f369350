import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { conflict, notFound, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { idInput, parseInput, periodBoundInput } from "../../validate.ts";
import type { AnalyticsService } from "../analytics/service.ts";
import type { AuditService } from "../audit/service.ts";
import { outboxRepo } from "../notifications/repo.ts";
import { bucketKey } from "../analytics/buckets.ts";
import { reportsRepo, type ReportMeta } from "./repo.ts";

const DAY_MS = 86_400_000;
/** A report that has been "running" this long lost its generator (a crash): it is queued again. */
const STALE_MS = 15 * 60_000;
const SCHEDULE_KEY = "reports.weekly";

export type Report = ReportMeta;

export const requestReportSchema = z.strictObject({
  from: periodBoundInput,
  to: periodBoundInput,
  line_id: idInput.optional(),
  title: z.string().trim().min(1).max(200).optional(),
});
export const listReportsSchema = z.strictObject(pageQuery);

export const scheduleSchema = z.strictObject({
  active: z.boolean(),
  /** ISO weekday: 1 = Monday … 7 = Sunday (UTC). */
  weekday: z.number().int().min(1).max(7),
  /** Hour of the day, UTC. */
  hour: z.number().int().min(0).max(23),
  recipient_ids: z.array(idInput).max(100),
});
export type ReportSchedule = z.output<typeof scheduleSchema>;
const DEFAULT_SCHEDULE: ReportSchedule = { active: false, weekday: 1, hour: 6, recipient_ids: [] };

/** Work for reading the analytics of a report: a reader, never a person's rights. */
const READER: RequestContext = {
  actor: { id: "system", username: "system", role: "viewer", sessionId: "" },
  requestId: "report",
};

export interface ReportOptions {
  /** Whether e-mail is configured (HOM_SMTP_URL): without it, scheduled reports are kept but not mailed. */
  emailEnabled: boolean;
  /** Called after mails were queued, to send them soon. */
  mailQueued?: () => void;
  log?: (message: string, error?: unknown) => void;
}

/**
 * PDF reports (docs/analytics.md, "PDF reports"): requested through the API and generated in the
 * background (stored in `analytics_reports` with their status), and the weekly report e-mailed
 * to the users an admin chose, as a PDF attachment through the mail outbox.
 */
export class ReportService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #analytics: AnalyticsService;
  readonly #options: ReportOptions;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(db: Db, audit: AuditService, analytics: AnalyticsService, options: ReportOptions) {
    this.#db = db;
    this.#audit = audit;
    this.#analytics = analytics;
    this.#options = options;
  }

  /** Queues a report of a period (the plant, or one line); it is generated in the background. */
  async request(ctx: RequestContext, input: unknown): Promise<Report> {
    const actor = authorize(ctx, "exports:read");
    const body = parseInput(requestReportSchema, input);
    if (body.from >= body.to)
      throw validationFailed([{ field: "to", message: "must be after from", code: "empty_period" }]);
    if (Date.parse(body.to) - Date.parse(body.from) > 366 * 5 * DAY_MS) {
      throw validationFailed([{ field: "from", message: "a report covers at most 5 years", code: "too_long" }]);
    }
    let lineName: string | null = null;
    if (body.line_id) {
      const line = await this.#db.kysely
        .selectFrom("lines")
        .select(["code", "name"])
        .where("id", "=", body.line_id)
        .executeTakeFirst();
      if (!line) throw validationFailed([{ field: "line_id", message: "No line with this id", code: "not_found" }]);
      lineName = `${line.code} ${line.name}`;
    }
    const id = newId();
    const now = new Date().toISOString();
    await transaction(this.#db, async (trx) => {
      await reportsRepo.insert(trx, {
        id,
        kind: "period",
        title:
          body.title ??
          `HOM report ${lineName ? `${lineName} ` : ""}${body.from.slice(0, 10)} to ${body.to.slice(0, 10)}`,
        period_from: body.from,
        period_to: body.to,
        line_id: body.line_id ?? null,
        status: "queued",
        requested_by: actor.id,
        created_at: now,
      });
      await this.#audit.record(trx, ctx, {
        action: "report.request",
        entity_type: "report",
        entity_id: id,
        changes: { from: [null, body.from], to: [null, body.to], line_id: [null, body.line_id ?? null] },
      });
    });
    this.kick();
    return (await reportsRepo.meta(this.#db.kysely, id))!;
  }

  async get(ctx: RequestContext, id: string): Promise<Report> {
    authorize(ctx, "exports:read");
    const report = await reportsRepo.meta(this.#db.kysely, id);
    if (!report) throw notFound("Report");
    return report;
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Report>> {
    authorize(ctx, "exports:read");
    const { limit, cursor } = parseInput(listReportsSchema, query);
    const after = cursor ? decodeCursor(cursor, 2) : null;
    const rows = await reportsRepo.list(this.#db.kysely, limit, after);
    return toPage(
      rows,
      limit,
      (r) => [r.created_at, r.id],
      (r) => r,
    );
  }

  /** The PDF of a finished report; 409 while it is queued or running, or when it failed. */
  async download(ctx: RequestContext, id: string): Promise<{ filename: string; content: Buffer }> {
    authorize(ctx, "exports:read");
    const report = await reportsRepo.meta(this.#db.kysely, id);
    if (!report) throw notFound("Report");
    if (report.status !== "ok") throw conflict(`The report is ${report.status}, not ready to download`);
    const content = (await reportsRepo.content(this.#db.kysely, id))!;
    return { filename: `hom-report-${report.period_from.slice(0, 10)}-${report.period_to.slice(0, 10)}.pdf`, content };
  }

  async schedule(ctx: RequestContext): Promise<ReportSchedule> {
    authorize(ctx, "settings:write");
    return this.#readSchedule();
  }

  /** Sets who receives the weekly report and when (admin); recipients must be active users with an e-mail address. */
  async setSchedule(ctx: RequestContext, input: unknown): Promise<ReportSchedule> {
    authorize(ctx, "settings:write");
    const schedule = parseInput(scheduleSchema, input);
    schedule.recipient_ids = [...new Set(schedule.recipient_ids)];
    const users = schedule.recipient_ids.length
      ? await this.#db.kysely
          .selectFrom("users")
          .select(["id", "email", "active"])
          .where("id", "in", schedule.recipient_ids)
          .execute()
      : [];
    const found = new Map(users.map((u) => [u.id, u]));
    const problems = schedule.recipient_ids.flatMap((id, i) => {
      const user = found.get(id);
      if (!user) return [{ field: `recipient_ids.${i}`, message: "No user with this id", code: "not_found" }];
      if (!toBool(user.active))
        return [{ field: `recipient_ids.${i}`, message: "The user is inactive", code: "inactive" }];
      if (!user.email)
        return [{ field: `recipient_ids.${i}`, message: "The user has no e-mail address", code: "no_email" }];
      return [];
    });
    if (problems.length) throw validationFailed(problems);
    await transaction(this.#db, async (trx) => {
      const before = await this.#readSchedule(trx);
      const now = new Date().toISOString();
      await trx
        .insertInto("settings")
        .values({ key: SCHEDULE_KEY, value: JSON.stringify(schedule), updated_at: now })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value: JSON.stringify(schedule), updated_at: now }))
        .execute();
      const changes: Record<string, [unknown, unknown]> = {};
      for (const key of Object.keys(schedule) as (keyof ReportSchedule)[]) {
        if (JSON.stringify(before[key]) !== JSON.stringify(schedule[key])) changes[key] = [before[key], schedule[key]];
      }
      await this.#audit.record(trx, ctx, {
        action: "settings.update",
        entity_type: "settings",
        entity_id: SCHEDULE_KEY,
        changes,
      });
    });
    return schedule;
  }

  /**
   * The weekly report's hourly tick: at the scheduled weekday and hour (UTC) it generates the
   * report of the last whole ISO week and mails it. The week's key makes it once per week
   * across instances and retries. Returns the report id when this tick made one.
   */
  async runWeekly(scheduledFor: Date): Promise<string | null> {
    const schedule = await this.#readSchedule();
    if (!schedule.active) return null;
    const weekday = ((scheduledFor.getUTCDay() + 6) % 7) + 1;
    if (weekday !== schedule.weekday || scheduledFor.getUTCHours() !== schedule.hour) return null;
    const today = Math.floor(scheduledFor.getTime() / DAY_MS) * DAY_MS;
    const to = today - (weekday - 1) * DAY_MS; // this week's Monday
    const from = to - 7 * DAY_MS;
    const week = bucketKey("week", from);
    const id = newId();
    const inserted = await reportsRepo.insertScheduled(this.#db.kysely, {
      id,
      kind: "weekly",
      title: `HOM weekly report ${week}`,
      period_from: new Date(from).toISOString(),
      period_to: new Date(to).toISOString(),
      line_id: null,
      status: "running",
      schedule_key: `weekly:${week}`,
      requested_by: null,
      created_at: new Date().toISOString(),
      started_at: new Date().toISOString(),
    });
    if (!inserted) return null;
    await this.#generate(id);
    const report = (await reportsRepo.meta(this.#db.kysely, id))!;
    if (report.status !== "ok") throw new Error(`weekly report ${week} failed: ${report.error}`);
    await this.#mail(report, schedule);
    return id;
  }

  /** Generates queued reports soon, without waiting (after a request). */
  kick(): void {
    void this.processPending().catch((error: unknown) => this.#options.log?.("report generation failed", error));
  }

  /** Generates every queued report (and requeues those whose generator died); rounds never overlap. */
  processPending(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          const stale = new Date(Date.now() - STALE_MS).toISOString();
          for (const id of await reportsRepo.pending(this.#db.kysely, stale)) {
            if (await reportsRepo.claim(this.#db.kysely, id, new Date().toISOString())) await this.#generate(id);
          }
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Waits for the generation in progress (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running.catch(() => {});
  }

  async #generate(id: string): Promise<void> {
    const report = (await reportsRepo.meta(this.#db.kysely, id))!;
    try {
      const data = await this.#gather(report);
      // pdfmake and its PDF engine load on the first report, not at start.
      const { renderReport } = await import("./pdf.ts");
      const { pdf, pages } = await renderReport(data);
      await reportsRepo.finish(this.#db.kysely, id, { content: pdf, pages }, new Date().toISOString());
    } catch (error) {
      this.#options.log?.(`report ${id} failed`, error);
      const message = error instanceof Error ? error.message : String(error);
      await reportsRepo.finish(this.#db.kysely, id, { error: message }, new Date().toISOString());
    }
  }

  async #gather(report: ReportMeta) {
    const a = this.#analytics;
    const scope = {
      from: report.period_from,
      to: report.period_to,
      ...(report.line_id ? { line_id: report.line_id } : {}),
    };
    const days = (Date.parse(report.period_to) - Date.parse(report.period_from)) / DAY_MS;
    const bucket = days <= 62 ? "day" : days <= 731 ? "week" : "month";
    let lines = this.#db.kysely.selectFrom("lines").select(["id", "code", "name"]).orderBy("code");
    if (report.line_id) lines = lines.where("id", "=", report.line_id);
    const [plant, series, pareto, failures, compliance, ageing, lineRows, topTools, utilisation] = await Promise.all([
      a.kpis(READER, scope),
      a.series(READER, { ...scope, bucket }),
      a.downtimePareto(READER, scope),
      a.failureTrends(READER, { ...scope, bucket: "week" }),
      a.maintenanceCompliance(READER, scope),
      a.actionsAgeing(READER, report.line_id ? { line_id: report.line_id } : {}),
      lines.execute(),
      a.topTools(READER, { ...scope, limit: 20 }),
      a.toolUtilisation(READER, scope),
    ]);
    const lineKpis = [];
    for (const line of lineRows) {
      lineKpis.push({
        code: line.code,
        name: line.name,
        kpis: await a.kpis(READER, { ...scope, line_id: line.id, machine_id: undefined }),
      });
    }
    return {
      title: report.title,
      generatedAt: new Date().toISOString(),
      plant,
      series,
      pareto: pareto.items,
      failures,
      compliance,
      ageing,
      lines: lineKpis,
      topTools: topTools.items,
      utilisation: [...utilisation.items].sort((x, y) => y.running_minutes - x.running_minutes).slice(0, 20),
    };
  }

  async #mail(report: ReportMeta, schedule: ReportSchedule): Promise<void> {
    if (!this.#options.emailEnabled || schedule.recipient_ids.length === 0) return;
    const users = await this.#db.kysely
      .selectFrom("users")
      .select(["id", "email", "active"])
      .where("id", "in", schedule.recipient_ids)
      .orderBy("id")
      .execute();
    const now = new Date().toISOString();
    const body = [
      `${report.title}`,
      `Period: ${report.period_from} to ${report.period_to}`,
      "",
      "The report is attached as a PDF. It is also kept in HOM under Analytics → Reports.",
    ].join("\n");
    await outboxRepo.insert(
      this.#db.kysely,
      users
        .filter((u) => toBool(u.active) && u.email)
        .map((u) => ({
          id: newId(),
          notification_id: null,
          to_address: u.email!,
          subject: report.title,
          body,
          status: "pending",
          next_attempt_at: now,
          created_at: now,
          attachment_report_id: report.id,
        })),
    );
    this.#options.mailQueued?.();
  }

  async #readSchedule(db = this.#db.kysely as Parameters<typeof reportsRepo.meta>[0]): Promise<ReportSchedule> {
    const row = await db.selectFrom("settings").select("value").where("key", "=", SCHEDULE_KEY).executeTakeFirst();
    return row
      ? { ...DEFAULT_SCHEDULE, ...(JSON.parse(row.value) as Partial<ReportSchedule>) }
      : { ...DEFAULT_SCHEDULE };
  }
}
