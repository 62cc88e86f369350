import { sql, type SelectQueryBuilder } from "kysely";
import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import type { Db } from "../../db/index.ts";
import type { Database } from "../../db/schema.ts";
import { dialectSql } from "../../db/sql.ts";
import { notFound } from "../../errors.ts";
import type { Cell, ExportColumn, ExportTable } from "../../http/table-export.ts";
import { parseInput } from "../../validate.ts";
import { insightsRepo } from "./insights-repo.ts";
import { filterSchema, scopeAndPeriod, type AnalyticsService } from "./service.ts";

/** Rows per keyset page: large enough for ≥ 100 k rows/s, small enough to keep memory flat. */
const PAGE = 2000;

const col = (name: string, kind?: ExportColumn["kind"]): ExportColumn => ({ name, kind });
const dt = (name: string) => col(name, "datetime");
const num = (name: string) => col(name, "number");

/** The analytics tables that can be exported, each from the same service call as its JSON. */
export const ANALYTICS_TABLES = [
  "kpis",
  "series",
  "downtime-pareto",
  "failure-trends",
  "tool-utilisation",
  "top-tools",
  "maintenance-compliance",
  "actions-ageing",
] as const;
export type AnalyticsTable = (typeof ANALYTICS_TABLES)[number];

/** The raw records behind the analytics. */
export const RECORD_KINDS = ["downtimes", "shot-entries", "failure-reports", "actions", "maintenance-logs"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

const recordQuerySchema = filterSchema;

/**
 * Exports of analytics tables and of the raw records behind them (docs/analytics.md,
 * "Exports"). Analytics tables are small and come from the service; raw records are read in
 * keyset pages (never one long-running cursor: on SQLite that would hold the one connection
 * every other request needs for the whole download).
 */
export class AnalyticsExports {
  readonly #db: Db;
  readonly #analytics: AnalyticsService;

  constructor(db: Db, analytics: AnalyticsService) {
    this.#db = db;
    this.#analytics = analytics;
  }

  async table(ctx: RequestContext, name: string, query: unknown): Promise<ExportTable> {
    authorize(ctx, "exports:read");
    const a = this.#analytics;
    const one = (columns: ExportColumn[], rows: Cell[][]): ExportTable => ({
      columns,
      pages: (async function* () {
        yield rows;
      })(),
    });
    switch (name as AnalyticsTable) {
      case "kpis": {
        const k = await a.kpis(ctx, query);
        return one(
          KPI_COLUMNS.map((c) => (c === "from" || c === "to" ? dt(c) : num(c))),
          [KPI_COLUMNS.map((c) => k[c] as Cell)],
        );
      }
      case "series": {
        const s = await a.series(ctx, query);
        return one(
          [col("bucket"), dt("from"), dt("to"), ...KPI_COLUMNS.slice(2).map((c) => num(c))],
          s.items.map((i) => [
            i.bucket,
            i.from,
            i.to,
            ...KPI_COLUMNS.slice(2).map((c) => i[c as keyof typeof i] as Cell),
          ]),
        );
      }
      case "downtime-pareto": {
        const p = await a.downtimePareto(ctx, query);
        return one(
          [col("reason_code"), col("reason_name"), col("category"), num("minutes"), num("count")],
          p.items.map((i) => [i.reason_code, i.reason_name, i.category, i.minutes, i.count]),
        );
      }
      case "failure-trends": {
        const t = await a.failureTrends(ctx, query);
        return one(
          [col("bucket"), col("code"), col("name"), col("severity"), num("count")],
          t.items.map((i) => [i.bucket, i.code, i.name, i.severity, i.count]),
        );
      }
      case "tool-utilisation": {
        const t = await a.toolUtilisation(ctx, query);
        const keys = [
          "asset_number",
          "name",
          "status",
          "mounted_minutes",
          "running_minutes",
          "utilisation",
          "shots",
          "shots_per_day",
          "rated_life_shots",
          "lifetime_shots",
          "life_used",
          "days_to_rated_life",
        ] as const;
        return one(
          keys.map((k, i) => (i < 3 ? col(k) : num(k))),
          t.items.map((i) => keys.map((k) => i[k])),
        );
      }
      case "top-tools": {
        const t = await a.topTools(ctx, query);
        const keys = ["asset_number", "name", "failures", "shots", "failures_per_100k_shots", "mtbf_shots"] as const;
        return one(
          keys.map((k, i) => (i < 2 ? col(k) : num(k))),
          t.items.map((i) => keys.map((k) => i[k])),
        );
      }
      case "maintenance-compliance": {
        const c = await a.maintenanceCompliance(ctx, query);
        const keys = [
          "judged",
          "on_time",
          "done_early",
          "done_after_due",
          "missed",
          "pending",
          "checklists_completed",
          "checklists_on_time",
        ] as const;
        return one(
          [col("plan_id"), col("plan"), col("tool_id"), col("machine_id"), ...keys.map((k) => num(k))],
          c.items.map((i) => [i.plan_id, i.name, i.tool_id, i.machine_id, ...keys.map((k) => i[k])]),
        );
      }
      case "actions-ageing": {
        const g = await a.actionsAgeing(ctx, query);
        return one(
          [col("measure"), col("bucket"), num("count")],
          [
            ["outstanding", "all", g.outstanding],
            ["overdue", "all", g.overdue],
            ...g.by_age.map((b) => ["age_days", b.bucket, b.count]),
            ...g.by_days_overdue.map((b) => ["days_overdue", b.bucket, b.count]),
            ...g.by_priority.flatMap((p) => [
              [`outstanding_${p.priority}`, "all", p.outstanding],
              [`overdue_${p.priority}`, "all", p.overdue],
            ]),
          ],
        );
      }
      default:
        throw notFound("Analytics table");
    }
  }

  /** Raw records, filtered like the analytics, oldest first, in keyset pages. */
  async records(ctx: RequestContext, kind: string, query: unknown): Promise<ExportTable> {
    authorize(ctx, "exports:read");
    if (!(RECORD_KINDS as readonly string[]).includes(kind)) throw notFound("Record export");
    const input = parseInput(recordQuerySchema, query);
    const { period } = scopeAndPeriod({ ...input, to: input.to });
    await this.#analytics.requireFilters(input);
    const k = this.#db.kysely;
    const d = dialectSql(this.#db.dialect);
    const names = await lookups(this.#db);
    const from = d.timestamp(period.from);
    const to = d.timestamp(period.to);
    const lineMachines = input.line_id
      ? (await k.selectFrom("machines").select("id").where("line_id", "=", input.line_id).execute()).map((m) => m.id)
      : null;
    const inLine = (ids: string[] | null) => (ids && ids.length ? ids : [""]);

    switch (kind as RecordKind) {
      case "downtimes": {
        const longest = Number(
          (
            await k
              .selectFrom("downtimes")
              .select((eb) => eb.fn.max("duration_minutes").as("m"))
              .executeTakeFirst()
          )?.m ?? 0,
        );
        // Overlapping the period: starting before its end (and no longer before its start than
        // the longest downtime lasted), ending after its start (or still going).
        const startedFrom = new Date(Date.parse(period.from) - (longest + 1) * 60_000).toISOString();
        let base = k
          .selectFrom("downtimes")
          .select([
            "id",
            "machine_id",
            "line_id",
            "start_datetime",
            "end_datetime",
            "duration_minutes",
            "category",
            "reason_id",
            "source",
            "note",
            "repair_id",
            "created_at",
          ])
          .where("deleted_at", "is", null)
          .where("start_datetime", "<", to)
          .where((eb) => eb.or([eb("end_datetime", "is", null), eb("end_datetime", ">", from)]));
        if (input.machine_id) base = base.where("machine_id", "=", input.machine_id);
        if (input.line_id) base = base.where("line_id", "=", input.line_id);
        return {
          columns: [
            col("id"),
            col("machine"),
            col("line"),
            dt("start_datetime"),
            dt("end_datetime"),
            num("duration_minutes"),
            col("category"),
            col("reason"),
            col("source"),
            col("note"),
            col("repair_id"),
            dt("created_at"),
          ],
          pages: keyset(base, "start_datetime", startedFrom, d, (r) => [
            r.id,
            names.machines.get(r.machine_id),
            names.lines.get(r.line_id),
            r.start_datetime,
            r.end_datetime,
            r.duration_minutes,
            r.category,
            r.reason_id ? names.reasons.get(r.reason_id) : null,
            r.source,
            r.note,
            r.repair_id,
            r.created_at,
          ]),
        };
      }
      case "shot-entries": {
        // Tool by tool through the (tool_id, recorded_at) index: no index on time alone is
        // kept for ten million entries (it would slow every ingest).
        let tools = k.selectFrom("tools").select("id").orderBy("asset_number").orderBy("id");
        if (input.tool_id) tools = tools.where("id", "=", input.tool_id);
        const toolIds = (await tools.execute()).map((t) => t.id);
        const machineFilter = input.machine_id ? [input.machine_id] : lineMachines;
        const columns = [
          col("id"),
          col("tool"),
          col("machine"),
          num("delta"),
          num("total"),
          col("counter_reset"),
          col("source"),
          dt("recorded_at"),
          col("external_id"),
          dt("created_at"),
        ];
        const pages = (async function* () {
          for (const toolId of toolIds) {
            let base = k
              .selectFrom("shot_entries")
              .select([
                "id",
                "tool_id",
                "machine_id",
                "delta",
                "total",
                "counter_reset",
                "source",
                "recorded_at",
                "external_id",
                "created_at",
              ])
              .where("tool_id", "=", toolId)
              .where("recorded_at", "<", to);
            if (machineFilter) base = base.where("machine_id", "in", inLine(machineFilter));
            yield* keyset(base, "recorded_at", period.from, d, (r) => [
              r.id,
              names.tools.get(r.tool_id),
              r.machine_id ? names.machines.get(r.machine_id) : null,
              Number(r.delta),
              r.total === null ? null : Number(r.total),
              r.counter_reset === true || r.counter_reset === 1,
              r.source,
              r.recorded_at,
              r.external_id,
              r.created_at,
            ]);
          }
        })();
        return { columns, pages };
      }
      case "failure-reports": {
        const base = insightsRepo(this.#db)
          .failureReports(period, input, { from: false })
          .select([
            "failure_reports.id as id",
            "failure_reports.occurred_at as occurred_at",
            "failure_reports.tool_id as tool_id",
            "failure_reports.machine_id as machine_id",
            "failure_code_id",
            "severity",
            "status",
            "description",
            "root_cause_category",
            "shots_at",
            "reported_by",
            "closed_at",
          ]);
        return {
          columns: [
            col("id"),
            dt("occurred_at"),
            col("tool"),
            col("machine"),
            col("failure_code"),
            col("severity"),
            col("status"),
            col("description"),
            col("root_cause_category"),
            num("shots_at"),
            col("reported_by"),
            dt("closed_at"),
          ],
          pages: keyset(
            base,
            "occurred_at",
            period.from,
            d,
            (r) => [
              r.id,
              r.occurred_at,
              r.tool_id ? names.tools.get(r.tool_id) : null,
              r.machine_id ? names.machines.get(r.machine_id) : null,
              names.codes.get(r.failure_code_id),
              r.severity,
              r.status,
              r.description,
              r.root_cause_category,
              r.shots_at === null ? null : Number(r.shots_at),
              names.users.get(r.reported_by),
              r.closed_at,
            ],
            "failure_reports",
          ),
        };
      }
      case "actions": {
        let base = k
          .selectFrom("actions")
          .select([
            "id",
            "title",
            "kind",
            "priority",
            "status",
            "assignee_id",
            "due_date",
            "created_at",
            "completed_at",
            "failure_report_id",
            "tool_id",
            "machine_id",
          ])
          .where("created_at", "<", to);
        if (input.tool_id) base = base.where("tool_id", "=", input.tool_id);
        if (input.machine_id) base = base.where("machine_id", "=", input.machine_id);
        if (lineMachines) base = base.where("machine_id", "in", inLine(lineMachines));
        if (input.failure_code_id) {
          base = base.where(
            "failure_report_id",
            "in",
            k.selectFrom("failure_reports").select("id").where("failure_code_id", "=", input.failure_code_id),
          );
        }
        return {
          columns: [
            col("id"),
            col("title"),
            col("kind"),
            col("priority"),
            col("status"),
            col("assignee"),
            col("due_date"),
            dt("created_at"),
            dt("completed_at"),
            col("failure_report_id"),
            col("tool"),
            col("machine"),
          ],
          pages: keyset(base, "created_at", period.from, d, (r) => [
            r.id,
            r.title,
            r.kind,
            r.priority,
            r.status,
            r.assignee_id ? names.users.get(r.assignee_id) : null,
            r.due_date,
            r.created_at,
            r.completed_at,
            r.failure_report_id,
            r.tool_id ? names.tools.get(r.tool_id) : null,
            r.machine_id ? names.machines.get(r.machine_id) : null,
          ]),
        };
      }
      case "maintenance-logs": {
        let base = k
          .selectFrom("maintenance_logs")
          .select([
            "id",
            "performed_at",
            "tool_id",
            "machine_id",
            "plan_id",
            "kind",
            "status",
            "performed_by",
            "duration_minutes",
            "shots_at",
            "follow_up_required",
            "completed_at",
            "signed_at",
            "observations",
          ])
          .where("performed_at", "<", to);
        if (input.tool_id) base = base.where("tool_id", "=", input.tool_id);
        if (input.machine_id) base = base.where("machine_id", "=", input.machine_id);
        if (lineMachines) base = base.where("machine_id", "in", inLine(lineMachines));
        return {
          columns: [
            col("id"),
            dt("performed_at"),
            col("tool"),
            col("machine"),
            col("plan_id"),
            col("kind"),
            col("status"),
            col("performed_by"),
            num("duration_minutes"),
            num("shots_at"),
            col("follow_up_required"),
            dt("completed_at"),
            dt("signed_at"),
            col("observations"),
          ],
          pages: keyset(base, "performed_at", period.from, d, (r) => [
            r.id,
            r.performed_at,
            r.tool_id ? names.tools.get(r.tool_id) : null,
            r.machine_id ? names.machines.get(r.machine_id) : null,
            r.plan_id,
            r.kind,
            r.status,
            names.users.get(r.performed_by),
            r.duration_minutes,
            r.shots_at === null ? null : Number(r.shots_at),
            r.follow_up_required === true || r.follow_up_required === 1,
            r.completed_at,
            r.signed_at,
            r.observations,
          ]),
        };
      }
    }
  }
}

const KPI_COLUMNS = [
  "from",
  "to",
  "machines",
  "period_minutes",
  "planned_minutes",
  "excluded_minutes",
  "unplanned_minutes",
  "planned_busy_minutes",
  "failures",
  "availability",
  "mttr_hours",
  "mtbf_hours",
] as const;

/**
 * Reads a query in pages ordered by (time column, id), each page starting after the last row
 * of the one before: every page is an index range, whatever the offset. `base` has no lower
 * bound on the time column: this adds the one bound, `from` and then the last row's time.
 * SQLite takes only one of two `>=` bounds on a column for the index range (the first), so
 * with the period's start left in, every page would scan the range again from there.
 */
async function* keyset<R extends { id: string }>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table's select with an id and the time column
  base: SelectQueryBuilder<Database, any, R>,
  timeColumn: string,
  from: string,
  d: ReturnType<typeof dialectSql>,
  toRow: (row: R) => Cell[],
  table?: string,
): AsyncGenerator<Cell[][]> {
  const t = sql.ref(table ? `${table}.${timeColumn}` : timeColumn);
  const id = sql.ref(table ? `${table}.id` : "id");
  let after: { time: string; id: string } | null = null;
  for (;;) {
    let q = base
      .where(sql<boolean>`${t} >= ${d.timestamp(after ? after.time : from)}`)
      .orderBy(t as never)
      .orderBy(id as never)
      .limit(PAGE);
    if (after) {
      const { time, id: lastId } = after;
      q = q.where(sql<boolean>`(${t} > ${d.timestamp(time)} or ${id} > ${lastId})`);
    }
    const rows = await q.execute();
    if (rows.length === 0) return;
    const page: Cell[][] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) page[i] = toRow(rows[i]);
    yield page;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1] as unknown as Record<string, string>;
    after = { time: last[timeColumn], id: last.id };
  }
}

/** Codes and names of the small catalogues, so record pages read one table each. */
async function lookups(db: Db) {
  const k = db.kysely;
  const [machines, lines, reasons, tools, users, codes] = await Promise.all([
    k.selectFrom("machines").select(["id", "code"]).execute(),
    k.selectFrom("lines").select(["id", "code"]).execute(),
    k.selectFrom("downtime_reasons").select(["id", "code"]).execute(),
    k.selectFrom("tools").select(["id", "asset_number"]).execute(),
    k.selectFrom("users").select(["id", "username"]).execute(),
    k.selectFrom("failure_codes").select(["id", "code"]).execute(),
  ]);
  return {
    machines: new Map(machines.map((m) => [m.id, m.code])),
    lines: new Map(lines.map((l) => [l.id, l.code])),
    reasons: new Map(reasons.map((r) => [r.id, r.code])),
    tools: new Map(tools.map((t) => [t.id, t.asset_number])),
    users: new Map(users.map((u) => [u.id, u.username])),
    codes: new Map(codes.map((c) => [c.id, c.code])),
  };
}

export const exportFormatSchema = z.enum(["csv", "xlsx"]);
