import { sql, type Expression, type ExpressionBuilder } from "kysely";
import type { Db } from "../../db/index.ts";
import type { Database } from "../../db/schema.ts";
import { dialectSql } from "../../db/sql.ts";
import type { Period } from "./repo.ts";

/** The filters every analytics call takes (those that do not apply to a figure are ignored). */
export interface Filters {
  machine_id?: string;
  line_id?: string;
  tool_id?: string;
  failure_code_id?: string;
}

const DAY_MS = 86_400_000;

/**
 * SQL of the analytics beyond the KPIs (docs/analytics.md): failure trends, tool utilisation,
 * shots, maintenance compliance inputs, action ageing. Nothing here checks permissions.
 */
export function insightsRepo(db: Db) {
  const d = dialectSql(db.dialect);
  const k = db.kysely;
  const pg = db.dialect === "postgres";
  /** A timestamp expression moved back by whole minutes, in the column's own format (an index bound). */
  const minutesEarlier = (at: Expression<string>, minutes: number) =>
    pg
      ? sql<string>`(${at} - ${Math.ceil(minutes)} * interval '1 minute')`
      : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', ${at}, ${`-${Math.ceil(minutes)} minutes`})`;
  const dayOf = (column: string) =>
    pg
      ? sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD')`
      : sql<string>`substr(${sql.ref(column)}, 1, 10)`;

  /** A tool counts for a machine or line while it was mounted there at `at` (a column). */
  function mountedAt(
    eb: ExpressionBuilder<Database, "failure_reports">,
    at: "failure_reports.occurred_at",
    where: { machine_id?: string; line_id?: string },
  ) {
    let q = eb
      .selectFrom("tool_mounts as tm")
      .innerJoin("machines as mm", "mm.id", "tm.machine_id")
      .select(sql`1`.as("one"))
      .whereRef("tm.tool_id", "=", "failure_reports.tool_id")
      .whereRef("tm.mounted_at", "<=", at)
      .where((w) => w.or([w("tm.unmounted_at", "is", null), w("tm.unmounted_at", ">", w.ref(at))]));
    if (where.machine_id) q = q.where("tm.machine_id", "=", where.machine_id);
    if (where.line_id) q = q.where("mm.line_id", "=", where.line_id);
    return eb.exists(q);
  }

  /** `from: false` leaves out the bound on the period's start (keyset pages add their own). */
  function failureReports(period: Period, f: Filters, bounds: { from: boolean } = { from: true }) {
    let q = k.selectFrom("failure_reports").where("occurred_at", "<", d.timestamp(period.to));
    if (bounds.from) q = q.where("occurred_at", ">=", d.timestamp(period.from));
    if (f.failure_code_id) q = q.where("failure_code_id", "=", f.failure_code_id);
    if (f.tool_id) q = q.where("failure_reports.tool_id", "=", f.tool_id);
    if (f.machine_id) {
      const machineId = f.machine_id;
      q = q.where((eb) =>
        eb.or([
          eb("failure_reports.machine_id", "=", machineId),
          mountedAt(eb, "failure_reports.occurred_at", { machine_id: machineId }),
        ]),
      );
    }
    if (f.line_id) {
      const lineId = f.line_id;
      q = q.where((eb) =>
        eb.or([
          eb("failure_reports.machine_id", "in", eb.selectFrom("machines").select("id").where("line_id", "=", lineId)),
          mountedAt(eb, "failure_reports.occurred_at", { line_id: lineId }),
        ]),
      );
    }
    return q;
  }

  return {
    failureReports,

    /** Failure reports by UTC day, code and severity. */
    async failuresByDay(period: Period, f: Filters) {
      const rows = await failureReports(period, f)
        .select([dayOf("occurred_at").as("day"), "failure_code_id", "severity", sql<number>`count(*)`.as("count")])
        .groupBy([sql`1`, sql`2`, sql`3`])
        .execute();
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },

    /** Failure reports of tools in the period, by tool. */
    async toolFailures(period: Period, f: Filters): Promise<Map<string, number>> {
      const rows = await failureReports(period, f)
        .select(["failure_reports.tool_id as tool_id", sql<number>`count(*)`.as("count")])
        .where("failure_reports.tool_id", "is not", null)
        .groupBy("failure_reports.tool_id")
        .execute();
      return new Map(rows.map((r) => [r.tool_id!, Number(r.count)]));
    },

    async failureCodes() {
      return k.selectFrom("failure_codes").select(["id", "code", "name", "category"]).execute();
    },

    /** Tools in scope: the one asked for, those mounted on the machine or line during the period, or all not retired before it. */
    async toolsInScope(period: Period, f: Filters) {
      let q = k
        .selectFrom("tools")
        .select(["id", "asset_number", "name", "rated_life_shots", "lifetime_shots", "status", "machine_id"])
        .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", d.timestamp(period.from))]));
      if (f.tool_id) q = q.where("id", "=", f.tool_id);
      if (f.machine_id || f.line_id) {
        const mounts = k
          .selectFrom("tool_mounts as tm")
          .innerJoin("machines as mm", "mm.id", "tm.machine_id")
          .select("tm.tool_id")
          .where("tm.mounted_at", "<", d.timestamp(period.to))
          .where((eb) =>
            eb.or([eb("tm.unmounted_at", "is", null), eb("tm.unmounted_at", ">", d.timestamp(period.from))]),
          );
        const scoped = f.machine_id
          ? mounts.where("tm.machine_id", "=", f.machine_id)
          : mounts.where("mm.line_id", "=", f.line_id!);
        q = q.where("id", "in", scoped);
      }
      return q.orderBy("asset_number").execute();
    },

    /**
     * Shots recorded in the period per tool: whole UTC days from the daily totals (migration
     * 0012), the partial days at either end from the entries themselves (through the tool index).
     */
    async shotsByTool(period: Period, toolIds: readonly string[]): Promise<Map<string, number>> {
      const shots = new Map<string, number>();
      const add = (rows: { tool_id: string; shots: number | string | null }[]) => {
        for (const r of rows) shots.set(r.tool_id, (shots.get(r.tool_id) ?? 0) + Number(r.shots ?? 0));
      };
      if (toolIds.length === 0) return shots;
      const a = Math.ceil(Date.parse(period.from) / DAY_MS) * DAY_MS;
      const b = Math.floor(Date.parse(period.to) / DAY_MS) * DAY_MS;
      const fromRows = (from: string, to: string) =>
        chunks(toolIds, 500).map((ids) =>
          k
            .selectFrom("shot_entries")
            .select(["tool_id", sql<number>`sum(delta)`.as("shots")])
            .where("tool_id", "in", ids)
            .where("recorded_at", ">=", d.timestamp(from))
            .where("recorded_at", "<", d.timestamp(to))
            .groupBy("tool_id")
            .execute(),
        );
      if (b - a < DAY_MS) {
        for (const rows of await Promise.all(fromRows(period.from, period.to))) add(rows);
        return shots;
      }
      const A = new Date(a).toISOString();
      const B = new Date(b).toISOString();
      const days = chunks(toolIds, 500).map((ids) =>
        k
          .selectFrom("tool_shot_day_totals")
          .select(["tool_id", sql<number>`sum(shots)`.as("shots")])
          .where("tool_id", "in", ids)
          .where("day", ">=", A.slice(0, 10))
          .where("day", "<", B.slice(0, 10))
          .groupBy("tool_id")
          .execute(),
      );
      const all = await Promise.all([...days, ...fromRows(period.from, A), ...fromRows(B, period.to)]);
      for (const rows of all) add(rows);
      return shots;
    },

    /** The same from the shot entries alone: the reference the tests compare with. */
    async shotsByToolFromRows(period: Period, toolIds: readonly string[]): Promise<Map<string, number>> {
      const rows = await k
        .selectFrom("shot_entries")
        .select(["tool_id", sql<number>`sum(delta)`.as("shots")])
        .where("tool_id", "in", toolIds.length ? [...toolIds] : [""])
        .where("recorded_at", ">=", d.timestamp(period.from))
        .where("recorded_at", "<", d.timestamp(period.to))
        .groupBy("tool_id")
        .execute();
      return new Map(rows.map((r) => [r.tool_id, Number(r.shots)]));
    },

    /**
     * Per key, the shots of its tool on the days after `after_day` and before `beforeDay` (the
     * days before a period, for plans counted in shots): one sum per plan, not years of days.
     */
    async shotsAfterDays(
      items: readonly { key: string; tool_id: string; after_day: string }[],
      beforeDay: string,
    ): Promise<Map<string, number>> {
      const sums = new Map<string, number>();
      const wanted = items.filter((i) => i.after_day < beforeDay);
      const rows = await Promise.all(
        chunks(wanted, 300).map((part) =>
          // A VALUES list is a table named column1… on both databases.
          sql<{ key: string; shots: number | string | null }>`select a.column1 as key, sum(t.shots) as shots
              from (values ${sql.join(part.map((i) => sql`(${i.key}, ${i.tool_id}, ${i.after_day})`))}) as a
              join tool_shot_day_totals t on t.tool_id = a.column2 and t.day > a.column3 and t.day < ${beforeDay}
              group by a.column1`.execute(k),
        ),
      );
      for (const r of rows.flatMap((result) => result.rows)) sums.set(r.key, Number(r.shots ?? 0));
      return sums;
    },

    /**
     * Daily shots of some tools from a day on, per tool in day order: one row per tool, its days
     * packed as `day:shots,…` (a year of days for hundreds of tools is a hundred thousand rows;
     * their parsing, not the query, was most of a compliance call).
     */
    async dailyShotsByTool(toolIds: readonly string[], fromDay: string, toDay: string) {
      const byTool = new Map<string, [string, number][]>();
      if (toolIds.length === 0) return byTool;
      const packed = pg
        ? sql<string>`string_agg(day || ':' || cast(shots as text), ',')`
        : sql<string>`group_concat(day || ':' || cast(shots as text), ',')`;
      const rows = await Promise.all(
        chunks(toolIds, 500).map((ids) =>
          k
            .selectFrom("tool_shot_day_totals")
            .select(["tool_id", packed.as("days")])
            .where("tool_id", "in", ids)
            .where("day", ">=", fromDay)
            .where("day", "<", toDay)
            .groupBy("tool_id")
            .execute(),
        ),
      );
      for (const r of rows.flat()) {
        const days = r.days.split(",").map((entry): [string, number] => [entry.slice(0, 10), Number(entry.slice(11))]);
        // The aggregate's order is not promised on either database.
        days.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        byTool.set(r.tool_id, days);
      }
      return byTool;
    },

    /** Daily shots of some tools from a day on (for plans counted in shots). */
    async dailyShots(toolIds: readonly string[], fromDay: string, toDay: string) {
      if (toolIds.length === 0) return [];
      const rows = await Promise.all(
        chunks(toolIds, 500).map((ids) =>
          k
            .selectFrom("tool_shot_day_totals")
            .select(["tool_id", "day", "shots"])
            .where("tool_id", "in", ids)
            .where("day", ">=", fromDay)
            .where("day", "<", toDay)
            .orderBy("tool_id")
            .orderBy("day")
            .execute(),
        ),
      );
      return rows.flat().map((r) => ({ ...r, shots: Number(r.shots) }));
    },

    /**
     * Minutes each tool was mounted in the period, and of those, minutes its machine was down
     * (any downtime category): mount intervals clipped to the period, downtimes clipped to them.
     */
    async mountedMinutes(period: Period, toolIds: readonly string[], longestDowntimeMinutes: number) {
      if (toolIds.length === 0) return new Map<string, { mounted: number; down: number }>();
      const from = d.timestamp(period.from);
      const to = d.timestamp(period.to);
      const ms = d.greatest(sql.ref("tm.mounted_at"), from);
      const me = d.least(sql`coalesce(${sql.ref("tm.unmounted_at")}, ${to})`, to);
      const results = new Map<string, { mounted: number; down: number }>();
      for (const ids of chunks(toolIds, 500)) {
        const [mounted, down] = await Promise.all([
          k
            .selectFrom("tool_mounts as tm")
            .select(["tm.tool_id", sql<number>`sum(${d.minutesBetween(ms, me)})`.as("minutes")])
            .where("tm.tool_id", "in", ids)
            .where("tm.mounted_at", "<", to)
            .where((eb) => eb.or([eb("tm.unmounted_at", "is", null), eb("tm.unmounted_at", ">", from)]))
            .groupBy("tm.tool_id")
            .execute(),
          k
            .selectFrom("tool_mounts as tm")
            .innerJoin("downtimes as dt", "dt.machine_id", "tm.machine_id")
            .select([
              "tm.tool_id",
              sql<number>`sum(${d.minutesBetween(
                d.greatest(sql.ref("dt.start_datetime"), ms),
                d.least(sql`coalesce(${sql.ref("dt.end_datetime")}, ${to})`, me),
              )})`.as("minutes"),
            ])
            .where("tm.tool_id", "in", ids)
            .where("tm.mounted_at", "<", to)
            .where((eb) => eb.or([eb("tm.unmounted_at", "is", null), eb("tm.unmounted_at", ">", from)]))
            .where("dt.deleted_at", "is", null)
            // The index range on (machine_id, start) of each mount: from the longest downtime before
            // the mount's clipped start to its clipped end. Bounds of the period alone would read a
            // year of the machine's downtimes for every two-week mount.
            .where((eb) => eb("dt.start_datetime", ">=", minutesEarlier(ms, longestDowntimeMinutes + 1)))
            .where((eb) => eb("dt.start_datetime", "<", me))
            .where((eb) => eb(sql`coalesce(${sql.ref("dt.end_datetime")}, ${to})`, ">", ms))
            .groupBy("tm.tool_id")
            .execute(),
        ]);
        for (const r of mounted) results.set(r.tool_id, { mounted: Number(r.minutes ?? 0), down: 0 });
        for (const r of down) {
          const entry = results.get(r.tool_id);
          if (entry) entry.down = Number(r.minutes ?? 0);
        }
      }
      return results;
    },

    /** Maintenance plans in scope (of the tool, of the machine, of the line's machines and tools mounted there). */
    async plansInScope(period: Period, f: Filters, toolIds: readonly string[] | null) {
      let q = k
        .selectFrom("maintenance_plans")
        .select(["id", "tool_id", "machine_id", "name", "interval_shots", "interval_days", "created_at", "active"])
        .where("created_at", "<", d.timestamp(period.to));
      if (f.tool_id) q = q.where("tool_id", "=", f.tool_id);
      else if (f.machine_id || f.line_id) {
        const machines = f.machine_id
          ? [f.machine_id]
          : (await k.selectFrom("machines").select("id").where("line_id", "=", f.line_id!).execute()).map((m) => m.id);
        const tools = toolIds ?? [];
        q = q.where((eb) =>
          eb.or([
            eb("machine_id", "in", machines.length ? machines : [""]),
            eb("tool_id", "in", tools.length ? [...tools] : [""]),
          ]),
        );
      }
      return q.orderBy("id").execute();
    },

    /** Completed logs of the plans: the last one before the period per plan and every one inside it. */
    async planCompletions(planIds: readonly string[], period: Period) {
      if (planIds.length === 0) return [];
      const results = await Promise.all(
        chunks(planIds, 500).flatMap((ids) => [
          k
            .selectFrom("maintenance_logs")
            .select(["plan_id", sql<string>`max(completed_at)`.as("completed_at")])
            .where("plan_id", "in", ids)
            .where("status", "in", ["completed", "signed"])
            .where("completed_at", "<", d.timestamp(period.from))
            .groupBy("plan_id")
            .execute()
            .then((rows) => rows.map((r) => ({ ...r, id: null, template_id: null, before: true }))),
          k
            .selectFrom("maintenance_logs")
            .select(["id", "plan_id", "template_id", "completed_at"])
            .where("plan_id", "in", ids)
            .where("status", "in", ["completed", "signed"])
            .where("completed_at", ">=", d.timestamp(period.from))
            .where("completed_at", "<", d.timestamp(period.to))
            .execute()
            .then((rows) => rows.map((r) => ({ ...r, before: false }))),
        ]),
      );
      return results
        .flat()
        .map((r) => ({
          id: r.id,
          plan_id: r.plan_id!,
          template_id: r.template_id,
          // PostgreSQL's max() of a timestamptz is a timestamptz; SQLite's of text is text.
          completed_at: new Date(r.completed_at!).toISOString(),
          before: r.before,
        }))
        .sort((x, y) => (x.completed_at < y.completed_at ? -1 : x.completed_at > y.completed_at ? 1 : 0));
    },

    /** Outstanding actions (open, in progress) by priority, age bucket and overdue bucket. */
    async outstandingActions(f: Filters, thresholds: { created: string[]; due: string[]; today: string }) {
      const created = sql.ref("created_at");
      const due = sql.ref("due_date");
      const [c7, c30, c90] = thresholds.created.map((t) => d.timestamp(t));
      const [d7, d30, d90] = thresholds.due;
      let q = k
        .selectFrom("actions")
        .select([
          "priority",
          sql<string>`case when ${created} >= ${c7} then '0-7' when ${created} >= ${c30} then '8-30'
            when ${created} >= ${c90} then '31-90' else '91+' end`.as("age"),
          sql<string>`case when ${due} is null or ${due} >= ${thresholds.today} then 'not_overdue'
            when ${due} >= ${d7} then '1-7' when ${due} >= ${d30} then '8-30' when ${due} >= ${d90} then '31-90'
            else '91+' end`.as("overdue"),
          sql<number>`count(*)`.as("count"),
        ])
        .where("status", "in", ["open", "in_progress"])
        .groupBy([sql`1`, sql`2`, sql`3`]);
      if (f.tool_id) q = q.where("tool_id", "=", f.tool_id);
      if (f.machine_id) q = q.where("machine_id", "=", f.machine_id);
      if (f.line_id) {
        const lineId = f.line_id;
        q = q.where((eb) =>
          eb.or([
            eb("machine_id", "in", eb.selectFrom("machines").select("id").where("line_id", "=", lineId)),
            eb(
              "tool_id",
              "in",
              eb
                .selectFrom("tools")
                .innerJoin("machines", "machines.id", "tools.machine_id")
                .select("tools.id")
                .where("machines.line_id", "=", lineId),
            ),
          ]),
        );
      }
      if (f.failure_code_id) {
        q = q.where(
          "failure_report_id",
          "in",
          k.selectFrom("failure_reports").select("id").where("failure_code_id", "=", f.failure_code_id),
        );
      }
      const rows = await q.execute();
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
