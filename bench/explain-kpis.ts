// Query plans and in-process timings of the analytics SQL (server/src/modules/analytics/repo.ts), captured as the
// repo builds it, over a plant from bench/generate-plant.ts. For finding out why a KPI budget is missed.
//   node bench/explain-kpis.ts --sqlite DIR | --postgres SCHEMA [--years-back N] [--days 365] [--runs 5]
// The period ends at the last midnight of the data, N years back (default 0), and lasts --days days.
import { parseArgs } from "node:util";
import { CompiledQuery, sql, type KyselyPlugin } from "kysely";
import { loadConfig } from "../server/src/config.ts";
import { openDatabase, type Db } from "../server/src/db/index.ts";
import { analyticsRepo, type Period, type Scope } from "../server/src/modules/analytics/repo.ts";
import { PG_URL } from "./lib.ts";

const { values } = parseArgs({
  options: {
    sqlite: { type: "string" },
    postgres: { type: "string" },
    "years-back": { type: "string", default: "0" },
    days: { type: "string", default: "365" },
    runs: { type: "string", default: "5" },
  },
});
if (Boolean(values.sqlite) === Boolean(values.postgres)) {
  console.error("Usage: node bench/explain-kpis.ts --sqlite DIR | --postgres SCHEMA [--years-back N] [--days D]");
  process.exit(2);
}
const config = loadConfig(
  values.sqlite
    ? { HOM_DATA_DIR: values.sqlite }
    : { DATABASE_URL: process.env.DATABASE_URL ?? PG_URL, HOM_PG_SCHEMA: values.postgres },
);
const db = await openDatabase(config.database);
const DAY = 86_400_000;

let captured: CompiledQuery[] = [];
const capture: KyselyPlugin = {
  transformQuery(args) {
    captured.push(db.kysely.getExecutor().compileQuery(args.node, args.queryId));
    return args.node;
  },
  transformResult: async (args) => args.result,
};
const repo = analyticsRepo({ ...db, kysely: db.kysely.withPlugin(capture) } satisfies Db);

const latest = await db.kysely
  .selectFrom("downtimes")
  .select((eb) => eb.fn.max("start_datetime").as("at"))
  .executeTakeFirstOrThrow();
const to = Math.floor(Date.parse(String(latest.at)) / DAY) * DAY - Number(values["years-back"]) * 365 * DAY;
const period: Period = {
  from: new Date(to - Number(values.days) * DAY).toISOString(),
  to: new Date(to).toISOString(),
};
const line = await db.kysely.selectFrom("lines").select("id").orderBy("code").executeTakeFirstOrThrow();
const machine = await db.kysely.selectFrom("machines").select("id").orderBy("code").executeTakeFirstOrThrow();
console.log(`${db.dialect}, period ${period.from} – ${period.to}\n`);

// How many rows each branch of the overlap union reads (the second is bounded by the longest downtime).
const from = db.dialect === "postgres" ? sql`${period.from}::timestamptz` : sql`${period.from}`;
const end = db.dialect === "postgres" ? sql`${period.to}::timestamptz` : sql`${period.to}`;
const { rows: sizes } = await sql<Record<string, number>>`select
    (select count(*) from downtimes where start_datetime >= ${from} and start_datetime < ${end}) as starting_inside,
    (select count(*) from downtimes where end_datetime > ${from}) as index_range_of_branch_2,
    (select count(*) from downtimes where start_datetime < ${from} and end_datetime > ${from}) as straddling_from,
    (select max(duration_minutes) from downtimes) as longest_minutes`.execute(db.kysely);
console.log("rows (plant):", sizes[0], "\n");

const scopes: [string, Scope][] = [
  ["line", { lineId: line.id }],
  ["plant", {}],
  ["machine", { machineId: machine.id }],
];
const calls: [string, (scope: Scope) => Promise<unknown>][] = [
  ["totals", (scope) => repo.totals(scope, period)],
  ["machineMinutes", (scope) => repo.machineMinutes(scope, period)],
];

for (const [scopeName, scope] of scopes) {
  for (const [callName, call] of calls) {
    const times: number[] = [];
    for (let i = 0; i < Number(values.runs); i++) {
      captured = [];
      const started = performance.now();
      await call(scope);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    // Kysely runs plugins on the union's parts as they are built too: the statement executed comes last.
    const query = captured.at(-1)!;
    console.log(
      `== ${scopeName} ${callName}: median ${times[Math.floor(times.length / 2)].toFixed(1)} ms (min ${times[0].toFixed(1)}, ${times.length} runs)`,
    );
    if (db.dialect === "sqlite") {
      const plan = await db.kysely.executeQuery<{ id: number; parent: number; detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      const depth = new Map<number, number>([[0, 0]]);
      for (const row of plan.rows) {
        depth.set(row.id, (depth.get(row.parent) ?? 0) + 1);
        console.log(`${"  ".repeat(depth.get(row.id)!)}${row.detail}`);
      }
    } else {
      const plan = await db.kysely.executeQuery<{ "QUERY PLAN": string }>(
        CompiledQuery.raw(`explain (analyze, buffers, costs off) ${query.sql}`, [...query.parameters]),
      );
      for (const row of plan.rows) console.log(`  ${row["QUERY PLAN"]}`);
    }
    console.log("");
  }
}
console.log("SQL of the last call:\n", captured.at(-1)?.sql);
await db.close();
