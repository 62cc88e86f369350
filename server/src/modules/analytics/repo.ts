import { sql, type Expression, type SqlBool } from "kysely";
import type { Db } from "../../db/index.ts";
import { dialectSql } from "../../db/sql.ts";

/** Which machines a figure is about: one machine, one line, or the whole plant. */
export type Scope = { machineId: string } | { lineId: string } | Record<string, never>;

export interface Period {
  from: string;
  /** Already clipped to now: time that has not happened yet is neither busy nor down. */
  to: string;
}

export interface CategoryTotals {
  category: string;
  minutes: number;
  count: number;
  failures: number;
  failure_minutes: number;
}

export interface ReasonTotals {
  reason_id: string | null;
  category: string;
  minutes: number;
  count: number;
}

/**
 * The KPI arithmetic in SQL (docs/kpis.md). Downtimes are clipped to the period; an ongoing
 * one runs to the period's end (which is never later than now). Rows wholly inside the period
 * use their stored duration, so only the few that straddle a bound need date arithmetic.
 */
export function analyticsRepo(db: Db) {
  const d = dialectSql(db.dialect);
  const k = db.kysely;

  /**
   * The downtimes that overlap the period, found through three index ranges: those that start
   * inside it, those that started before and ended inside or after its start, and those that
   * started before and are still going.
   */
  function overlapping(scope: Scope, period: Period) {
    const from = d.timestamp(period.from);
    const to = d.timestamp(period.to);
    const base = () => {
      let q = k
        .selectFrom("downtimes")
        .select(["id", "start_datetime", "end_datetime", "duration_minutes", "category", "reason_id"])
        .where("deleted_at", "is", null);
      if ("machineId" in scope) q = q.where("machine_id", "=", scope.machineId);
      else if ("lineId" in scope) q = q.where("line_id", "=", scope.lineId);
      return q;
    };
    return base()
      .where("start_datetime", ">=", from)
      .where("start_datetime", "<", to)
      .unionAll(base().where("start_datetime", "<", from).where("end_datetime", ">", from))
      .unionAll(base().where("start_datetime", "<", from).where("end_datetime", "is", null));
  }

  function clippedMinutes(period: Period): Expression<number> {
    const from = d.timestamp(period.from);
    const to = d.timestamp(period.to);
    const start = sql.ref("o.start_datetime");
    const end = sql.ref("o.end_datetime");
    return sql<number>`case when ${start} >= ${from} and ${end} <= ${to} then o.duration_minutes
      else ${d.minutesBetween(d.greatest(start, from), d.least(sql`coalesce(${end}, ${to})`, to))} end`;
  }

  /** SPEC §6: an unplanned downtime that starts in the period, with a failure reason or none. */
  function isFailure(period: Period): Expression<SqlBool> {
    return sql<SqlBool>`(o.category = 'unplanned' and o.start_datetime >= ${d.timestamp(period.from)}
      and (o.reason_id is null or r.counts_as_failure = ${true}))`;
  }

  return {
    async totalsByCategory(scope: Scope, period: Period): Promise<CategoryTotals[]> {
      const minutes = clippedMinutes(period);
      const failure = isFailure(period);
      const rows = await k
        .selectFrom(overlapping(scope, period).as("o"))
        .leftJoin("downtime_reasons as r", "r.id", "o.reason_id")
        .select([
          "o.category as category",
          sql<number>`sum(${minutes})`.as("minutes"),
          sql<number>`count(*)`.as("count"),
          sql<number>`sum(case when ${failure} then 1 else 0 end)`.as("failures"),
          sql<number>`sum(case when ${failure} then ${minutes} else 0 end)`.as("failure_minutes"),
        ])
        .groupBy("o.category")
        .execute();
      return rows.map((r) => ({
        category: r.category,
        minutes: Number(r.minutes ?? 0),
        count: Number(r.count),
        failures: Number(r.failures ?? 0),
        failure_minutes: Number(r.failure_minutes ?? 0),
      }));
    },

    /** Minutes and counts by reason (or by top-level reason) and category. */
    async totalsByReason(
      scope: Scope,
      period: Period,
      options: { category?: string; topLevel: boolean },
    ): Promise<ReasonTotals[]> {
      const minutes = clippedMinutes(period);
      const reason = options.topLevel
        ? sql<string | null>`coalesce(r.parent_id, o.reason_id)`
        : sql<string | null>`o.reason_id`;
      let q = k
        .selectFrom(overlapping(scope, period).as("o"))
        .leftJoin("downtime_reasons as r", "r.id", "o.reason_id")
        .select([
          reason.as("reason_id"),
          "o.category as category",
          sql<number>`sum(${minutes})`.as("minutes"),
          sql<number>`count(*)`.as("count"),
        ])
        .groupBy([reason, "o.category"]);
      if (options.category) q = q.where("o.category", "=", options.category);
      const rows = await q.execute();
      return rows.map((r) => ({
        reason_id: r.reason_id,
        category: r.category,
        minutes: Number(r.minutes ?? 0),
        count: Number(r.count),
      }));
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
