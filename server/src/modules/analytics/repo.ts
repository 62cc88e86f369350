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
   * inside it, those that started before (but not longer before than the longest downtime on
   * record) and ended after its start, and those that started before and are still going.
   */
  function overlapping(scope: Scope, period: Period, earliestStart: string) {
    const from = d.timestamp(period.from);
    const to = d.timestamp(period.to);
    const base = () => {
      let q = k
        .selectFrom("downtimes")
        .select(["start_datetime", "end_datetime", "duration_minutes", "category", "reason_id"])
        .where("deleted_at", "is", null);
      if ("machineId" in scope) q = q.where("machine_id", "=", scope.machineId);
      else if ("lineId" in scope) q = q.where("line_id", "=", scope.lineId);
      return q;
    };
    return base()
      .where("start_datetime", ">=", from)
      .where("start_datetime", "<", to)
      .unionAll(
        base()
          // No finished downtime lasts longer than the longest on record: this bounds the scan.
          .where("start_datetime", ">=", d.timestamp(earliestStart))
          .where("start_datetime", "<", from)
          .where("end_datetime", ">", from),
      )
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

  return {
    /**
     * One pass over the overlapping downtimes, grouped by category, reason and whether they
     * started inside the period: few groups, no join. The service classifies failures and
     * rolls reasons up with the small reason catalogue.
     */
    async totals(scope: Scope, period: Period): Promise<DowntimeTotals[]> {
      const minutes = clippedMinutes(period);
      const longest = await k
        .selectFrom("downtimes")
        .select((eb) => eb.fn.max("duration_minutes").as("minutes"))
        .executeTakeFirst();
      const earliestStart = new Date(Date.parse(period.from) - Math.ceil(Number(longest?.minutes ?? 0) + 1) * 60_000);
      const startedInside = sql<number>`case when o.start_datetime >= ${d.timestamp(period.from)} then 1 else 0 end`;
      const rows = await k
        .selectFrom(overlapping(scope, period, earliestStart.toISOString()).as("o"))
        .select([
          "o.category as category",
          "o.reason_id as reason_id",
          startedInside.as("started_inside"),
          sql<number>`sum(${minutes})`.as("minutes"),
          sql<number>`count(*)`.as("count"),
        ])
        // By position: PostgreSQL would not see the select's parameterised expression as the same one.
        .groupBy([sql`1`, sql`2`, sql`3`])
        .execute();
      return rows.map((r) => ({
        category: r.category,
        reason_id: r.reason_id,
        started_inside: Number(r.started_inside) === 1,
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
