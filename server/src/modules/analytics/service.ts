import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import type { Db } from "../../db/index.ts";
import { validationFailed } from "../../errors.ts";
import { booleanQuery, idInput, parseInput, periodBoundInput } from "../../validate.ts";
import { DOWNTIME_CATEGORIES } from "../downtime-reasons/service.ts";
import { downtimeReasonsRepo, type DowntimeReasonRow } from "../downtime-reasons/repo.ts";
import { linesRepo, machinesRepo } from "../plant/repo.ts";
import { analyticsRepo, type Period, type Scope } from "./repo.ts";
import { BUCKETS, MAX_BUCKETS, bucketIndexOf, bucketsOf, type Bucket, type BucketSize } from "./buckets.ts";
import { planCompliance, type Completion, type PlanCompliance } from "./compliance.ts";
import { insightsRepo } from "./insights-repo.ts";
import { kpisFrom, machineTimeIn, round, totalsPerBucket, type KpiFigures } from "./series.ts";

const DAY_MS = 86_400_000;
/** The default period when none is given: the last 30 days. */
const DEFAULT_PERIOD_DAYS = 30;
const MAX_PERIOD_DAYS = 366 * 20;

/** SPEC §6, plus the components the ratios come from. */
export interface Kpis {
  from: string;
  to: string;
  machines: number;
  /** Machine time in the period (machines × period, less time after retirement). */
  period_minutes: number;
  planned_minutes: number;
  excluded_minutes: number;
  unplanned_minutes: number;
  planned_busy_minutes: number;
  failures: number;
  availability: number | null;
  mttr_hours: number | null;
  mtbf_hours: number | null;
}

export interface ParetoItem {
  reason_id: string | null;
  reason_code: string | null;
  reason_name: string | null;
  category: string;
  minutes: number;
  count: number;
}

const scopeFields = {
  machine_id: idInput.optional(),
  line_id: idInput.optional(),
  from: periodBoundInput.optional(),
  to: periodBoundInput.optional(),
};
export const kpiSchema = z.strictObject(scopeFields);
export const paretoSchema = z.strictObject({
  ...scopeFields,
  category: z.enum(DOWNTIME_CATEGORIES).optional(),
  top_level: booleanQuery.default(false),
});

const filterFields = {
  ...scopeFields,
  tool_id: idInput.optional(),
  failure_code_id: idInput.optional(),
};
/** The filters of every analytics call beyond the KPIs (a filter that does not apply to a figure is ignored). */
export const filterSchema = z.strictObject(filterFields);
export const seriesSchema = z.strictObject({ ...filterFields, bucket: z.enum(BUCKETS).default("day") });
export const topToolsSchema = z.strictObject({
  ...filterFields,
  limit: z.coerce.number().int().min(1).max(500).default(20),
});
export const ageingSchema = z.strictObject({
  machine_id: idInput.optional(),
  line_id: idInput.optional(),
  tool_id: idInput.optional(),
  failure_code_id: idInput.optional(),
});

const SEVERITIES = ["low", "medium", "high", "critical"];
const PRIORITIES = ["critical", "high", "medium", "low"];
const AGE_BUCKETS = ["0-7", "8-30", "31-90", "91+"] as const;

export interface SeriesPoint extends KpiFigures {
  bucket: string;
  from: string;
  to: string;
}
export interface SeriesResult {
  bucket: BucketSize;
  from: string;
  to: string;
  items: SeriesPoint[];
}
export interface FailureTrendItem {
  bucket: string;
  failure_code_id: string;
  code: string;
  name: string;
  severity: string;
  count: number;
}
export interface FailureTrends {
  bucket: BucketSize;
  from: string;
  to: string;
  items: FailureTrendItem[];
  by_code: { failure_code_id: string; code: string; name: string; count: number }[];
  by_severity: { severity: string; count: number }[];
}
export interface ToolUtilisation {
  tool_id: string;
  asset_number: string;
  name: string;
  status: string;
  mounted_minutes: number;
  running_minutes: number;
  utilisation: number | null;
  shots: number;
  shots_per_day: number;
  rated_life_shots: number | null;
  lifetime_shots: number;
  life_used: number | null;
  days_to_rated_life: number | null;
}
export interface TopTool {
  tool_id: string;
  asset_number: string;
  name: string;
  failures: number;
  shots: number;
  failures_per_100k_shots: number | null;
  mtbf_shots: number | null;
}
export interface MaintenanceCompliance {
  from: string;
  to: string;
  plans: number;
  judged: number;
  on_time: number;
  done_early: number;
  done_after_due: number;
  missed: number;
  pending: number;
  compliance: number | null;
  checklists_completed: number;
  checklists_on_time: number;
  checklist_on_time_rate: number | null;
  items: (PlanCompliance & { name: string; tool_id: string | null; machine_id: string | null })[];
}
export interface ActionsAgeing {
  as_of: string;
  outstanding: number;
  overdue: number;
  by_age: { bucket: string; count: number }[];
  by_days_overdue: { bucket: string; count: number }[];
  by_priority: { priority: string; outstanding: number; overdue: number }[];
}

/** The buckets of a period, or a 422 when there would be too many. */
function bucketsFor(size: BucketSize, period: Period): Bucket[] {
  const buckets = bucketsOf(size, period.from, period.to);
  if (!buckets) {
    throw validationFailed([
      {
        field: "bucket",
        message: `at most ${MAX_BUCKETS} buckets: choose a larger bucket or a shorter period`,
        code: "too_many_buckets",
      },
    ]);
  }
  return buckets;
}

/**
 * Availability, failures, MTTR, MTBF and the downtime Pareto (SPEC §6) for a machine, a line
 * or the plant. Line and plant figures come from summed minutes and counts, never from
 * averaged ratios. Definitions and a worked example: docs/kpis.md.
 */
export class AnalyticsService {
  readonly #db: Db;
  readonly #repo: ReturnType<typeof analyticsRepo>;
  readonly #insights: ReturnType<typeof insightsRepo>;

  constructor(db: Db) {
    this.#db = db;
    this.#repo = analyticsRepo(db);
    this.#insights = insightsRepo(db);
  }

  /** The scope named must exist: a typo in an id would otherwise read as a perfect plant. */
  async #requireScope(scope: Scope): Promise<void> {
    const kysely = this.#db.kysely;
    if ("machineId" in scope && !(await machinesRepo.findById(kysely, scope.machineId))) {
      throw validationFailed([{ field: "machine_id", message: "No machine with this id", code: "not_found" }]);
    }
    if ("lineId" in scope && !(await linesRepo.findById(kysely, scope.lineId))) {
      throw validationFailed([{ field: "line_id", message: "No line with this id", code: "not_found" }]);
    }
  }

  async kpis(ctx: RequestContext, query: unknown): Promise<Kpis> {
    authorize(ctx, "plant:read");
    const { scope, period } = scopeAndPeriod(parseInput(kpiSchema, query));
    await this.#requireScope(scope);
    const [totals, machineTime, reasons] = await Promise.all([
      this.#repo.totals(scope, period),
      this.#repo.machineMinutes(scope, period),
      this.#reasons(),
    ]);
    return { from: period.from, to: period.to, ...kpisFrom(totals, machineTime, reasons) };
  }

  async downtimePareto(
    ctx: RequestContext,
    query: unknown,
  ): Promise<{ items: ParetoItem[]; from: string; to: string }> {
    authorize(ctx, "plant:read");
    const input = parseInput(paretoSchema, query);
    const { scope, period } = scopeAndPeriod(input);
    await this.#requireScope(scope);
    const [totals, reasons] = await Promise.all([this.#repo.totals(scope, period), this.#reasons()]);
    const groups = new Map<string, ParetoItem>();
    for (const t of totals) {
      if (input.category && t.category !== input.category) continue;
      const own = t.reason_id ? reasons.get(t.reason_id) : undefined;
      const reason = input.top_level && own?.parent_id ? reasons.get(own.parent_id) : own;
      const reasonId = reason?.id ?? t.reason_id;
      const key = `${reasonId ?? ""}\u0000${t.category}`;
      const item = groups.get(key) ?? {
        reason_id: reasonId,
        reason_code: reason?.code ?? null,
        reason_name: reason?.name ?? null,
        category: t.category,
        minutes: 0,
        count: 0,
      };
      item.minutes += t.minutes;
      item.count += t.count;
      groups.set(key, item);
    }
    const items = [...groups.values()].map((item) => ({ ...item, minutes: round(item.minutes, 2) }));
    // Largest first; ties by count, then by code so the order is the same on every run.
    items.sort(
      (a, b) =>
        b.minutes - a.minutes ||
        b.count - a.count ||
        (a.reason_code ?? "\uffff").localeCompare(b.reason_code ?? "\uffff"),
    );
    return { items, from: period.from, to: period.to };
  }

  /**
   * Availability, MTTR and MTBF per day, ISO week or month: each bucket's figures are what
   * `kpis` gives for that bucket alone (a downtime spanning bucket bounds is split across them).
   */
  async series(ctx: RequestContext, query: unknown): Promise<SeriesResult> {
    authorize(ctx, "plant:read");
    const input = parseInput(seriesSchema, query);
    const { scope, period } = scopeAndPeriod(input);
    await this.#requireScope(scope);
    const buckets = bucketsFor(input.bucket, period);
    const [sources, machines, reasons] = await Promise.all([
      this.#repo.seriesSources(scope, period),
      this.#repo.machinesInScope(scope, period),
      this.#reasons(),
    ]);
    const totals = totalsPerBucket(sources, buckets, period);
    return {
      bucket: input.bucket,
      from: period.from,
      to: period.to,
      items: buckets.map((b, i) => ({
        bucket: b.key,
        from: b.from,
        to: b.to,
        ...kpisFrom(totals[i], machineTimeIn(machines, b), reasons),
      })),
    };
  }

  /** Failure reports per bucket by code and severity, with totals by code and by severity. */
  async failureTrends(ctx: RequestContext, query: unknown): Promise<FailureTrends> {
    authorize(ctx, "plant:read");
    const input = parseInput(seriesSchema, query);
    const { period } = scopeAndPeriod(input);
    await this.requireFilters(input);
    const buckets = bucketsFor(input.bucket, period);
    const [rows, codes] = await Promise.all([
      this.#insights.failuresByDay(period, input),
      this.#insights.failureCodes(),
    ]);
    const codeOf = new Map(codes.map((c) => [c.id, c]));
    const items = new Map<string, FailureTrendItem>();
    const byCode = new Map<string, { failure_code_id: string; code: string; name: string; count: number }>();
    const bySeverity: Record<string, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    for (const r of rows) {
      const bucket = buckets[bucketIndexOf(buckets, `${r.day}T00:00:00.000Z`)] ?? buckets[0];
      const code = codeOf.get(r.failure_code_id);
      const key = `${bucket.key}\u0000${r.failure_code_id}\u0000${r.severity}`;
      const item = items.get(key) ?? {
        bucket: bucket.key,
        failure_code_id: r.failure_code_id,
        code: code?.code ?? "",
        name: code?.name ?? "",
        severity: r.severity,
        count: 0,
      };
      item.count += r.count;
      items.set(key, item);
      const total = byCode.get(r.failure_code_id) ?? {
        failure_code_id: r.failure_code_id,
        code: code?.code ?? "",
        name: code?.name ?? "",
        count: 0,
      };
      total.count += r.count;
      byCode.set(r.failure_code_id, total);
      bySeverity[r.severity] = (bySeverity[r.severity] ?? 0) + r.count;
    }
    const order = new Map(buckets.map((b, i) => [b.key, i]));
    return {
      bucket: input.bucket,
      from: period.from,
      to: period.to,
      items: [...items.values()].sort(
        (a, b) =>
          order.get(a.bucket)! - order.get(b.bucket)! ||
          a.code.localeCompare(b.code) ||
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
      ),
      by_code: [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      by_severity: SEVERITIES.map((severity) => ({ severity, count: bySeverity[severity] ?? 0 })),
    };
  }

  /** Per tool: time mounted, time running (mounted on a machine that is not down), shots against rated life. */
  async toolUtilisation(
    ctx: RequestContext,
    query: unknown,
  ): Promise<{ from: string; to: string; items: ToolUtilisation[] }> {
    authorize(ctx, "plant:read");
    const input = parseInput(filterSchema, query);
    const { period } = scopeAndPeriod(input);
    await this.requireFilters(input);
    const tools = await this.#insights.toolsInScope(period, input);
    const ids = tools.map((t) => t.id);
    const [shots, mounted] = await Promise.all([
      this.#insights.shotsByTool(period, ids),
      this.#insights.mountedMinutes(period, ids, await this.#repo.longestDowntimeMinutes()),
    ]);
    const periodMinutes = (Date.parse(period.to) - Date.parse(period.from)) / 60_000;
    const periodDays = periodMinutes / 1440;
    const items = tools.map((t) => {
      const m = mounted.get(t.id) ?? { mounted: 0, down: 0 };
      const running = Math.max(0, m.mounted - m.down);
      const toolShots = shots.get(t.id) ?? 0;
      const perDay = periodDays > 0 ? toolShots / periodDays : 0;
      const rated = t.rated_life_shots === null ? null : Number(t.rated_life_shots);
      const lifetime = Number(t.lifetime_shots);
      return {
        tool_id: t.id,
        asset_number: t.asset_number,
        name: t.name,
        status: t.status,
        mounted_minutes: round(m.mounted, 2),
        running_minutes: round(running, 2),
        utilisation: periodMinutes > 0 ? round(running / periodMinutes, 4) : null,
        shots: toolShots,
        shots_per_day: round(perDay, 1),
        rated_life_shots: rated,
        lifetime_shots: lifetime,
        life_used: rated ? round(lifetime / rated, 4) : null,
        days_to_rated_life: rated && perDay > 0 ? round(Math.max(0, rated - lifetime) / perDay, 1) : null,
      };
    });
    return { from: period.from, to: period.to, items };
  }

  /** Tools ranked by failure reports per 100,000 shots in the period (MTBF in shots). */
  async topTools(ctx: RequestContext, query: unknown): Promise<{ from: string; to: string; items: TopTool[] }> {
    authorize(ctx, "plant:read");
    const input = parseInput(topToolsSchema, query);
    const { period } = scopeAndPeriod(input);
    await this.requireFilters(input);
    const [failures, tools] = await Promise.all([
      this.#insights.toolFailures(period, input),
      this.#insights.toolsInScope(period, input),
    ]);
    const failing = tools.filter((t) => failures.has(t.id));
    const shots = await this.#insights.shotsByTool(
      period,
      failing.map((t) => t.id),
    );
    const items = failing.map((t) => {
      const count = failures.get(t.id)!;
      const toolShots = shots.get(t.id) ?? 0;
      return {
        tool_id: t.id,
        asset_number: t.asset_number,
        name: t.name,
        failures: count,
        shots: toolShots,
        failures_per_100k_shots: toolShots > 0 ? round((count / toolShots) * 100_000, 3) : null,
        mtbf_shots: toolShots > 0 ? round(toolShots / count, 1) : null,
      };
    });
    // Highest rate first; failures without any recorded shots cannot be rated and come last, most failures first.
    items.sort(
      (a, b) =>
        (b.failures_per_100k_shots ?? -1) - (a.failures_per_100k_shots ?? -1) ||
        b.failures - a.failures ||
        a.asset_number.localeCompare(b.asset_number),
    );
    return { from: period.from, to: period.to, items: items.slice(0, input.limit) };
  }

  /** Plans done before becoming overdue ÷ plan cycles judged in the period; on-time rate of checklists. */
  async maintenanceCompliance(ctx: RequestContext, query: unknown): Promise<MaintenanceCompliance> {
    authorize(ctx, "plant:read");
    const input = parseInput(filterSchema, query);
    const { period } = scopeAndPeriod(input);
    await this.requireFilters(input);
    const tools = input.machine_id || input.line_id ? await this.#insights.toolsInScope(period, input) : null;
    const plans = await this.#insights.plansInScope(period, input, tools?.map((t) => t.id) ?? null);
    const completions = await this.#insights.planCompletions(
      plans.map((p) => p.id),
      period,
    );
    const byPlan = new Map<string, Completion[]>();
    for (const c of completions) {
      const list = byPlan.get(c.plan_id);
      if (list) list.push(c);
      else byPlan.set(c.plan_id, [c]);
    }
    // Shots of plans counted in shots: the days before the period summed in the database, one
    // figure per plan from its first cycle's start (a plan never done counts from its creation,
    // years back), and the days from the eve of the period on one by one.
    const shotPlans = plans.filter((p) => p.interval_shots !== null && p.tool_id !== null);
    const detailFrom = new Date(Math.floor(Date.parse(period.from) / DAY_MS) * DAY_MS - DAY_MS)
      .toISOString()
      .slice(0, 10);
    const toDay = new Date(Date.parse(period.to) + DAY_MS).toISOString().slice(0, 10);
    const firstCycleDay = (p: (typeof plans)[number]) =>
      new Date(byPlan.get(p.id)?.find((c) => c.before)?.completed_at ?? p.created_at).toISOString().slice(0, 10);
    const [before, shotsOf] = await Promise.all([
      this.#insights.shotsAfterDays(
        shotPlans.map((p) => ({ key: p.id, tool_id: p.tool_id!, after_day: firstCycleDay(p) })),
        detailFrom,
      ),
      this.#insights.dailyShotsByTool([...new Set(shotPlans.map((p) => p.tool_id!))], detailFrom, toDay),
    ]);
    const prior = dayBefore(detailFrom);
    const shotsOfPlan = (p: (typeof plans)[number]): [string, number][] | undefined => {
      if (!p.tool_id) return undefined;
      const days = shotsOf.get(p.tool_id) ?? [];
      const sum = before.get(p.id);
      // The days before the eve as one day, the one before it: its end is still before the period.
      return sum ? [[prior, sum], ...days] : days;
    };
    const items = plans.map((p) => ({
      ...planCompliance(
        { ...p, created_at: new Date(p.created_at).toISOString() },
        byPlan.get(p.id) ?? [],
        shotsOfPlan(p),
        period,
      ),
      name: p.name,
      tool_id: p.tool_id,
      machine_id: p.machine_id,
    }));
    const sum = (key: keyof PlanCompliance) => items.reduce((acc, i) => acc + (i[key] as number), 0);
    const judged = sum("judged");
    const checklists = sum("checklists_completed");
    return {
      from: period.from,
      to: period.to,
      plans: plans.length,
      judged,
      on_time: sum("on_time"),
      done_early: sum("done_early"),
      done_after_due: sum("done_after_due"),
      missed: sum("missed"),
      pending: sum("pending"),
      compliance: judged > 0 ? round(sum("on_time") / judged, 4) : null,
      checklists_completed: checklists,
      checklists_on_time: sum("checklists_on_time"),
      checklist_on_time_rate: checklists > 0 ? round(sum("checklists_on_time") / checklists, 4) : null,
      items: items.filter((i) => i.judged > 0 || i.pending > 0 || i.checklists_completed > 0),
    };
  }

  /** Outstanding actions (open, in progress) now, by age since creation and by days past their due date. */
  async actionsAgeing(ctx: RequestContext, query: unknown): Promise<ActionsAgeing> {
    authorize(ctx, "plant:read");
    const input = parseInput(ageingSchema, query);
    if (input.machine_id && input.line_id) scopeAndPeriod(input); // the same 422 as everywhere
    await this.requireFilters(input);
    const now = Date.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const daysAgo = (n: number) => new Date(now - n * DAY_MS).toISOString();
    const rows = await this.#insights.outstandingActions(input, {
      created: [daysAgo(7), daysAgo(30), daysAgo(90)],
      // Overdue by 1–7 days: due from 7 days ago to yesterday.
      due: [daysAgo(7).slice(0, 10), daysAgo(30).slice(0, 10), daysAgo(90).slice(0, 10)],
      today,
    });
    const byAge: Record<string, number> = Object.fromEntries(AGE_BUCKETS.map((b) => [b, 0]));
    const byOverdue: Record<string, number> = Object.fromEntries(AGE_BUCKETS.slice(0).map((b) => [b, 0]));
    const byPriority = new Map<string, { priority: string; outstanding: number; overdue: number }>();
    let outstanding = 0;
    let overdue = 0;
    for (const r of rows) {
      outstanding += r.count;
      byAge[r.age] += r.count;
      const p = byPriority.get(r.priority) ?? { priority: r.priority, outstanding: 0, overdue: 0 };
      p.outstanding += r.count;
      if (r.overdue !== "not_overdue") {
        overdue += r.count;
        byOverdue[r.overdue === "1-7" ? "0-7" : r.overdue] += r.count;
        p.overdue += r.count;
      }
      byPriority.set(r.priority, p);
    }
    return {
      as_of: new Date(now).toISOString(),
      outstanding,
      overdue,
      by_age: AGE_BUCKETS.map((b) => ({ bucket: b, count: byAge[b] })),
      by_days_overdue: AGE_BUCKETS.map((b) => ({ bucket: b === "0-7" ? "1-7" : b, count: byOverdue[b] })),
      by_priority: PRIORITIES.flatMap((p) => (byPriority.has(p) ? [byPriority.get(p)!] : [])),
    };
  }

  /** The ids named in filters must exist: a typo would otherwise read as a perfect plant. */
  async requireFilters(input: { machine_id?: string; line_id?: string; tool_id?: string; failure_code_id?: string }) {
    await this.#requireScope(
      input.machine_id ? { machineId: input.machine_id } : input.line_id ? { lineId: input.line_id } : {},
    );
    const k = this.#db.kysely;
    if (
      input.tool_id &&
      !(await k.selectFrom("tools").select("id").where("id", "=", input.tool_id).executeTakeFirst())
    ) {
      throw validationFailed([{ field: "tool_id", message: "No tool with this id", code: "not_found" }]);
    }
    if (
      input.failure_code_id &&
      !(await k.selectFrom("failure_codes").select("id").where("id", "=", input.failure_code_id).executeTakeFirst())
    ) {
      throw validationFailed([
        { field: "failure_code_id", message: "No failure code with this id", code: "not_found" },
      ]);
    }
  }

  /** The whole reason catalogue (a few dozen rows), for classifying and naming the totals. */
  async #reasons(): Promise<Map<string, DowntimeReasonRow>> {
    const rows = await downtimeReasonsRepo.all(this.#db.kysely);
    return new Map(rows.map((r) => [r.id, r]));
  }
}

function dayBefore(day: string): string {
  return new Date(Date.parse(day) - DAY_MS).toISOString().slice(0, 10);
}

export function scopeAndPeriod(input: { machine_id?: string; line_id?: string; from?: string; to?: string }): {
  scope: Scope;
  period: Period;
} {
  if (input.machine_id && input.line_id) {
    throw validationFailed([
      {
        field: "line_id",
        message: "Give machine_id or line_id (or neither, for the plant), not both",
        code: "conflicting_fields",
      },
    ]);
  }
  const now = Date.now();
  const to = input.to ?? new Date(now).toISOString();
  const from = input.from ?? new Date(Date.parse(to) - DEFAULT_PERIOD_DAYS * DAY_MS).toISOString();
  if (from >= to) throw validationFailed([{ field: "to", message: "must be after from", code: "empty_period" }]);
  if (Date.parse(to) - Date.parse(from) > MAX_PERIOD_DAYS * DAY_MS) {
    throw validationFailed([{ field: "from", message: "the period may be at most 20 years", code: "too_long" }]);
  }
  // Time that has not happened yet is neither busy nor down.
  const clippedTo = Date.parse(to) > now ? new Date(Math.max(now, Date.parse(from))).toISOString() : to;
  const scope: Scope = input.machine_id
    ? { machineId: input.machine_id }
    : input.line_id
      ? { lineId: input.line_id }
      : {};
  return { scope, period: { from, to: clippedTo } };
}
