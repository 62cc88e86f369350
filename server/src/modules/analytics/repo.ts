import { sql, type Expression } from "kysely";
import type { Db } from "../../db/index.ts";
import { dialectSql } from "../../db/sql.ts";

/** Which machines a figure is about: one machine, one line, or the whole plant. */
export type Scope = { machineId: string } | { lineId: string } | Record<string, never>;

export interface Period {
  from: string;
  /** Already clipped to now: time that has not happened yet is neither busy nor down. */
  to: string;
}

/** Clipped minutes and counts of the downtimes overlapping a period, by category and reason. */
export interface DowntimeTotals {
  category: string;
  reason_id: string | null;
  /** Whether these downtimes started inside the period (only those can be failures of it). */
  started_inside: boolean;
  minutes: number;
  count: number;
}

/** A downtime as the series read it. */
export interface DowntimeRow {
  start_datetime: string;
  end_datetime: string | null;
  duration_minutes: number | null;
  category: string;
  reason_id: string | null;
}

export interface SeriesSources {
  /** Finished downtimes by the UTC day they started in (whole minutes, a count of one each). */
  days: { day: string; category: string; reason_id: string | null; minutes: number; count: number }[];
  /** Finished downtimes in `days` that cross a midnight: their minutes belong to several days. */
  crossers: DowntimeRow[];
  /** Every other downtime overlapping the period, unclipped. */
  rows: DowntimeRow[];
}

/** Whole UTC days inside a period: the part that the pre-aggregated totals can answer. */
interface Interior {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/**
 * The KPI arithmetic in SQL (docs/kpis.md). Downtimes are clipped to the period; an ongoing
 * one runs to the period's end (which is never later than now). Rows wholly inside the period
 * use their stored duration, so only the few that straddle a bound need date arithmetic.
 *
 * Line and plant figures over whole days read the pre-aggregated day and month totals
 * (migration 0006) for the downtimes that started in those days, and only the few rows near
 * the period's bounds from `downtimes` itself: see "How long periods are computed" in
 * docs/kpis.md. Machine figures always read the rows; one machine has few.
 */
export function analyticsRepo(db: Db) {
  const d = dialectSql(db.dialect);
  const k = db.kysely;

  function rows(scope: Scope) {
    let q = k
      .selectFrom("downtimes")
      .select(["start_datetime", "end_datetime", "duration_minutes", "category", "reason_id"])
      .where("deleted_at", "is", null);
    if ("machineId" in scope) q = q.where("machine_id", "=", scope.machineId);
    else if ("lineId" in scope) q = q.where("line_id", "=", scope.lineId);
    return q;
  }

  /** Rows counted as they are: clipped minutes, a count of one. */
  const whole = sql<number>`0`.as("adjust");
  /** Rows already counted whole in the totals, that only correct them: minutes beyond the period, no count. */
  const correction = sql<number>`1`.as("adjust");

  /**
   * The downtimes that started before the period and reach into it, through two index ranges:
   * those that ended after its start (but started no longer before it than the longest
   * downtime on record lasted) and those still going.
   */
  function startedBefore(scope: Scope, period: Period, longestMinutes: number) {
    const from = d.timestamp(period.from);
    return rows(scope)
      .select(whole)
      .where("start_datetime", ">=", d.timestamp(minutesBefore(period.from, longestMinutes)))
      .where("start_datetime", "<", from)
      .where("end_datetime", ">", from)
      .unionAll(rows(scope).select(whole).where("start_datetime", "<", from).where("end_datetime", "is", null));
  }

  /** Every downtime overlapping the period, read from the rows. */
  function overlappingRows(scope: Scope, period: Period, longestMinutes: number) {
    return rows(scope)
      .select(whole)
      .where("start_datetime", ">=", d.timestamp(period.from))
      .where("start_datetime", "<", d.timestamp(period.to))
      .unionAll(startedBefore(scope, period, longestMinutes));
  }

  /**
   * What the totals of the interior's days leave out or get wrong, read from the rows: the rows
   * beside the interior (`rowsBesideInterior`), plus corrections for finished downtimes that
   * started in the interior but ran past the period's end.
   */
  function rowsAroundInterior(scope: Scope, period: Period, interior: Interior, longestMinutes: number) {
    const ranFrom = [interior.from, minutesBefore(period.to, longestMinutes)].sort()[1];
    return rowsBesideInterior(scope, period, interior, longestMinutes).unionAll(
      rows(scope)
        .select(correction)
        .where("start_datetime", ">=", d.timestamp(ranFrom))
        .where("start_datetime", "<", d.timestamp(interior.to))
        .where("end_datetime", ">", d.timestamp(period.to)),
    );
  }

  function clippedMinutes(period: Period): Expression<number> {
    const from = d.timestamp(period.from);
    const to = d.timestamp(period.to);
    const start = sql.ref("o.start_datetime");
    const end = sql.ref("o.end_datetime");
    return sql<number>`case when ${start} >= ${from} and ${end} <= ${to} then o.duration_minutes
      else ${d.minutesBetween(d.greatest(start, from), d.least(sql`coalesce(${end}, ${to})`, to))} end`;
  }

  /** Groups row sources (either union above: they share one row shape) by category, reason and started-inside. */
  async function grouped(source: ReturnType<typeof overlappingRows>, period: Period): Promise<DowntimeTotals[]> {
    const minutes = clippedMinutes(period);
    const startedInside = sql<number>`case when o.start_datetime >= ${d.timestamp(period.from)} then 1 else 0 end`;
    const result = await k
      .selectFrom(source.as("o"))
      .select([
        "o.category as category",
        "o.reason_id as reason_id",
        startedInside.as("started_inside"),
        sql<number>`sum(case when o.adjust = 1 then ${minutes} - o.duration_minutes else ${minutes} end)`.as("minutes"),
        sql<number>`sum(1 - o.adjust)`.as("count"),
      ])
      // By position: PostgreSQL would not see the select's parameterised expression as the same one.
      .groupBy([sql`1`, sql`2`, sql`3`])
      .execute();
    return result.map((r) => ({
      category: r.category,
      reason_id: r.reason_id,
      started_inside: Number(r.started_inside) === 1,
      minutes: Number(r.minutes ?? 0),
      count: Number(r.count),
    }));
  }

  /**
   * Finished downtimes that started in the interior, from the totals: whole months from the
   * month table, the days before and after them from the day table.
   */
  async function interiorTotals(scope: Scope, interior: Interior): Promise<DowntimeTotals[]> {
    const totals = (table: "downtime_day_totals" | "downtime_month_totals", from: string, to: string) => {
      let q = k
        .selectFrom(table)
        .select(["category", "reason_key", "minutes", "count"])
        .where("bucket", ">=", from)
        .where("bucket", "<", to);
      if ("lineId" in scope) q = q.where("line_id", "=", scope.lineId);
      return q;
    };
    const day = (iso: string) => iso.slice(0, 10);
    const month = (iso: string) => iso.slice(0, 7);
    const firstMonth = day(interior.from).endsWith("-01") ? interior.from : nextMonthStart(interior.from);
    const lastMonth = `${month(interior.to)}-01T00:00:00.000Z`;
    const source =
      firstMonth < lastMonth
        ? totals("downtime_month_totals", month(firstMonth), month(lastMonth))
            .unionAll(totals("downtime_day_totals", day(interior.from), day(firstMonth)))
            .unionAll(totals("downtime_day_totals", day(lastMonth), day(interior.to)))
        : totals("downtime_day_totals", day(interior.from), day(interior.to));
    const result = await k
      .selectFrom(source.as("t"))
      .select([
        "t.category as category",
        "t.reason_key as reason_key",
        sql<number>`sum(t.minutes)`.as("minutes"),
        sql<number>`sum(t.count)`.as("count"),
      ])
      .groupBy(["t.category", "t.reason_key"])
      .execute();
    return result
      .map((r) => ({
        category: r.category,
        reason_id: r.reason_key === "" ? null : r.reason_key,
        started_inside: true,
        minutes: Number(r.minutes),
        count: Number(r.count),
      }))
      .filter((r) => r.count !== 0);
  }

  async function longestDowntimeMinutes(): Promise<number> {
    const longest = await k
      .selectFrom("downtimes")
      .select((eb) => eb.fn.max("duration_minutes").as("minutes"))
      .executeTakeFirst();
    return Math.ceil(Number(longest?.minutes ?? 0) + 1);
  }

  /**
   * For series: the rows the interior's day totals leave out (partial days at either end, ongoing
   * downtimes, those that started before the period). Series use these alone: they split the
   * midnight-crossing rows themselves (`crossersIn`); totals add corrections (`rowsAroundInterior`).
   */
  function rowsBesideInterior(scope: Scope, period: Period, interior: Interior, longestMinutes: number) {
    return rows(scope)
      .select(whole)
      .where("start_datetime", ">=", d.timestamp(period.from))
      .where("start_datetime", "<", d.timestamp(interior.from))
      .unionAll(
        rows(scope)
          .select(whole)
          .where("start_datetime", ">=", d.timestamp(interior.to))
          .where("start_datetime", "<", d.timestamp(period.to)),
      )
      .unionAll(
        rows(scope)
          .select(whole)
          .where("start_datetime", ">=", d.timestamp(interior.from))
          .where("start_datetime", "<", d.timestamp(interior.to))
          .where("end_datetime", "is", null),
      )
      .unionAll(startedBefore(scope, period, longestMinutes));
  }

  /** The same condition as the partial index `downtimes_midnight_cover_idx` (migration 0013), so the planner uses it. */
  const crossesMidnight =
    db.dialect === "postgres"
      ? sql<boolean>`date_trunc('day', start_datetime at time zone 'UTC') <> date_trunc('day', end_datetime at time zone 'UTC')`
      : sql<boolean>`substr(start_datetime, 1, 10) <> substr(end_datetime, 1, 10)`;

  return {
    longestDowntimeMinutes,

    /**
     * What a series over time is made of (modules/analytics/series.ts): the day totals of the
     * interior's whole days by day, category and reason; the finished downtimes that started in
     * the interior and cross a midnight (the totals put all their minutes on the start day); and
     * the rows around the interior. Without an interior (a machine, or less than a day), only
     * rows: every downtime overlapping the period.
     */
    async seriesSources(scope: Scope, period: Period): Promise<SeriesSources> {
      const interior = "machineId" in scope ? null : wholeDaysOf(period);
      const columns = ["start_datetime", "end_datetime", "duration_minutes", "category", "reason_id"] as const;
      if (!interior) {
        const longest = await longestDowntimeMinutes();
        const all = await k
          .selectFrom(overlappingRows(scope, period, longest).as("o"))
          .select(columns)
          .execute();
        return { days: [], crossers: [], rows: all };
      }
      // A line's days from 0006's day totals; the plant's from their sum over the lines (0013).
      const dayQuery =
        "lineId" in scope
          ? k
              .selectFrom("downtime_day_totals")
              .select(["bucket", "category", "reason_key", "minutes", "count"])
              .where("line_id", "=", scope.lineId)
              .where("bucket", ">=", interior.from.slice(0, 10))
              .where("bucket", "<", interior.to.slice(0, 10))
          : k
              .selectFrom("downtime_plant_day_totals")
              .select(["bucket", "category", "reason_key", "minutes", "count"])
              .where("bucket", ">=", interior.from.slice(0, 10))
              .where("bucket", "<", interior.to.slice(0, 10));
      const [days, crossers, around] = await Promise.all([
        dayQuery.execute(),
        rows(scope)
          .where("start_datetime", ">=", d.timestamp(interior.from))
          .where("start_datetime", "<", d.timestamp(interior.to))
          .where("end_datetime", "is not", null)
          .where(crossesMidnight)
          .execute(),
        // Only these rows need the longest downtime: the days and crossers do not wait for it.
        longestDowntimeMinutes().then((longest) =>
          k
            .selectFrom(rowsBesideInterior(scope, period, interior, longest).as("o"))
            .select(columns)
            .execute(),
        ),
      ]);
      return {
        days: days
          .map((r) => ({
            day: r.bucket,
            category: r.category,
            reason_id: r.reason_key === "" ? null : r.reason_key,
            minutes: Number(r.minutes),
            count: Number(r.count),
          }))
          .filter((r) => r.count !== 0),
        crossers,
        rows: around,
      };
    },

    /** Machines in scope that had not retired before the period, for machine time per bucket. */
    async machinesInScope(scope: Scope, period: Period): Promise<{ retired_at: string | null }[]> {
      let q = k
        .selectFrom("machines")
        .select("retired_at")
        .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", d.timestamp(period.from))]));
      if ("machineId" in scope) q = q.where("id", "=", scope.machineId);
      else if ("lineId" in scope) q = q.where("line_id", "=", scope.lineId);
      return q.execute();
    },

    /**
     * Clipped minutes and counts of the downtimes overlapping the period, by category, reason
     * and whether they started inside it: few groups. The service classifies failures and rolls
     * reasons up with the small reason catalogue.
     */
    async totals(scope: Scope, period: Period): Promise<DowntimeTotals[]> {
      const longest = await longestDowntimeMinutes();
      const interior = "machineId" in scope ? null : wholeDaysOf(period);
      if (!interior) return grouped(overlappingRows(scope, period, longest), period);
      const [around, inside] = await Promise.all([
        grouped(rowsAroundInterior(scope, period, interior, longest), period),
        interiorTotals(scope, interior),
      ]);
      return mergeTotals([...around, ...inside]);
    },

    /** The same figures from the rows alone, never the totals: the reference the tests compare with. */
    async totalsFromRows(scope: Scope, period: Period): Promise<DowntimeTotals[]> {
      return grouped(overlappingRows(scope, period, await longestDowntimeMinutes()), period);
    },

    /**
     * Machine time in the period: each machine in scope counts from the period's start to its
     * end, or to its retirement if it retired inside the period.
     */
    async machineMinutes(scope: Scope, period: Period): Promise<{ machines: number; minutes: number }> {
      const from = d.timestamp(period.from);
      const to = d.timestamp(period.to);
      let q = k
        .selectFrom("machines")
        .select([
          sql<number>`count(*)`.as("machines"),
          sql<number>`sum(${d.minutesBetween(from, sql`case when retired_at is null or retired_at > ${to} then ${to} else retired_at end`)})`.as(
            "minutes",
          ),
        ])
        .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", from)]));
      if ("machineId" in scope) q = q.where("id", "=", scope.machineId);
      else if ("lineId" in scope) q = q.where("line_id", "=", scope.lineId);
      const row = await q.executeTakeFirstOrThrow();
      return { machines: Number(row.machines), minutes: Number(row.minutes ?? 0) };
    },
  };
}

function minutesBefore(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) - minutes * 60_000).toISOString();
}

function nextMonthStart(iso: string): string {
  const at = new Date(iso);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)).toISOString();
}

/** The whole UTC days inside the period, or null when there is not one. */
function wholeDaysOf(period: Period): Interior | null {
  const from = Math.ceil(Date.parse(period.from) / DAY_MS) * DAY_MS;
  const to = Math.floor(Date.parse(period.to) / DAY_MS) * DAY_MS;
  return to - from >= DAY_MS ? { from: new Date(from).toISOString(), to: new Date(to).toISOString() } : null;
}

/** Adds up groups that share category, reason and started-inside. */
function mergeTotals(totals: DowntimeTotals[]): DowntimeTotals[] {
  const merged = new Map<string, DowntimeTotals>();
  for (const t of totals) {
    const key = `${t.category}\u0000${t.reason_id ?? ""}\u0000${t.started_inside}`;
    const into = merged.get(key);
    if (into) {
      into.minutes += t.minutes;
      into.count += t.count;
    } else merged.set(key, { ...t });
  }
  return [...merged.values()];
}
