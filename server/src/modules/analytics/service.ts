import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import type { Db } from "../../db/index.ts";
import { validationFailed } from "../../errors.ts";
import { booleanQuery, idInput, parseInput, periodBoundInput } from "../../validate.ts";
import { DOWNTIME_CATEGORIES } from "../downtime-reasons/service.ts";
import { downtimeReasonsRepo } from "../downtime-reasons/repo.ts";
import { linesRepo, machinesRepo } from "../plant/repo.ts";
import { analyticsRepo, type Period, type Scope } from "./repo.ts";

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

/**
 * Availability, failures, MTTR, MTBF and the downtime Pareto (SPEC §6) for a machine, a line
 * or the plant. Line and plant figures come from summed minutes and counts, never from
 * averaged ratios. Definitions and a worked example: docs/kpis.md.
 */
export class AnalyticsService {
  readonly #db: Db;
  readonly #repo: ReturnType<typeof analyticsRepo>;

  constructor(db: Db) {
    this.#db = db;
    this.#repo = analyticsRepo(db);
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
    const [totals, machineTime] = await Promise.all([
      this.#repo.totalsByCategory(scope, period),
      this.#repo.machineMinutes(scope, period),
    ]);
    const of = (category: string) => totals.find((t) => t.category === category);
    const planned = of("planned")?.minutes ?? 0;
    const excluded = of("excluded")?.minutes ?? 0;
    const unplanned = of("unplanned")?.minutes ?? 0;
    const failures = of("unplanned")?.failures ?? 0;
    const failureMinutes = of("unplanned")?.failure_minutes ?? 0;
    const plannedBusy = Math.max(0, machineTime.minutes - planned - excluded);
    const running = Math.max(0, plannedBusy - unplanned);
    return {
      from: period.from,
      to: period.to,
      machines: machineTime.machines,
      period_minutes: round(machineTime.minutes, 2),
      planned_minutes: round(planned, 2),
      excluded_minutes: round(excluded, 2),
      unplanned_minutes: round(unplanned, 2),
      planned_busy_minutes: round(plannedBusy, 2),
      failures,
      availability: plannedBusy > 0 ? round(running / plannedBusy, 4) : null,
      mttr_hours: failures > 0 ? round(failureMinutes / failures / 60, 3) : null,
      mtbf_hours: failures > 0 ? round(running / failures / 60, 3) : null,
    };
  }

  async downtimePareto(
    ctx: RequestContext,
    query: unknown,
  ): Promise<{ items: ParetoItem[]; from: string; to: string }> {
    authorize(ctx, "plant:read");
    const input = parseInput(paretoSchema, query);
    const { scope, period } = scopeAndPeriod(input);
    await this.#requireScope(scope);
    const totals = await this.#repo.totalsByReason(scope, period, {
      category: input.category,
      topLevel: input.top_level,
    });
    const ids = totals.flatMap((t) => (t.reason_id ? [t.reason_id] : []));
    const reasons = new Map(
      (ids.length ? await downtimeReasonsRepo.findByIds(this.#db.kysely, ids) : []).map((r) => [r.id, r]),
    );
    const items = totals.map((t) => {
      const reason = t.reason_id ? reasons.get(t.reason_id) : undefined;
      return {
        reason_id: t.reason_id,
        reason_code: reason?.code ?? null,
        reason_name: reason?.name ?? null,
        category: t.category,
        minutes: round(t.minutes, 2),
        count: t.count,
      };
    });
    // Largest first; ties by count, then by code so the order is the same on every run.
    items.sort(
      (a, b) =>
        b.minutes - a.minutes ||
        b.count - a.count ||
        (a.reason_code ?? "\uffff").localeCompare(b.reason_code ?? "\uffff"),
    );
    return { items, from: period.from, to: period.to };
  }
}

function scopeAndPeriod(input: { machine_id?: string; line_id?: string; from?: string; to?: string }): {
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

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
