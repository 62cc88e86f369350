import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import type { Db } from "../../db/index.ts";
import { validationFailed } from "../../errors.ts";
import { booleanQuery, idInput, parseInput, periodBoundInput } from "../../validate.ts";
import { DOWNTIME_CATEGORIES } from "../downtime-reasons/service.ts";
import { toBool } from "../../db/schema.ts";
import { downtimeReasonsRepo, type DowntimeReasonRow } from "../downtime-reasons/repo.ts";
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
    const [totals, machineTime, reasons] = await Promise.all([
      this.#repo.totals(scope, period),
      this.#repo.machineMinutes(scope, period),
      this.#reasons(),
    ]);
    let planned = 0;
    let excluded = 0;
    let unplanned = 0;
    let failures = 0;
    let failureMinutes = 0;
    for (const t of totals) {
      if (t.category === "planned") planned += t.minutes;
      else if (t.category === "excluded") excluded += t.minutes;
      else if (t.category === "unplanned") {
        unplanned += t.minutes;
        // SPEC §6: failures start in the period, with a reason that counts as one or none at all.
        const reason = t.reason_id ? reasons.get(t.reason_id) : undefined;
        if (t.started_inside && (t.reason_id === null || (reason !== undefined && toBool(reason.counts_as_failure)))) {
          failures += t.count;
          failureMinutes += t.minutes;
        }
      }
    }
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

  /** The whole reason catalogue (a few dozen rows), for classifying and naming the totals. */
  async #reasons(): Promise<Map<string, DowntimeReasonRow>> {
    const rows = await downtimeReasonsRepo.all(this.#db.kysely);
    return new Map(rows.map((r) => [r.id, r]));
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
