// Analytics latency, export rate and memory over a generated plant (issue 9: every analytics call < 100 ms p95 on
// SQLite and PostgreSQL over 1 M downtimes, 10 M shot entries, 100 k failure reports, 200 k actions; a 1 M-row CSV
// export at ≥ 100 k rows/s with flat memory). `npm run bench:analytics [-- options]` rewrites the
// `bench:analytics` section of docs/benchmarks.md (unless --no-write).
//
// The plant comes from bench/generate-plant.ts (lines, machines, downtimes, repairs); this adds tools, mounts, shot
// entries (with their daily totals, as the shots service keeps them), failure reports, actions, maintenance plans
// and completed logs, deterministically from the seed.
// Full size (the figures; on a quiet machine, ~15–30 min):
//   npm run bench:analytics -- --postgres
// Small (proves the bench works in a minute or two):
//   npm run bench:analytics -- --small [--postgres] [--no-write]
// Options: --lines --machines --downtimes --repairs --years (generate-plant.ts), --shots N, --failures N,
// --actions N, --export-rows N, --requests N (per call, 50), --warmup N (3), --postgres, --no-write.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { loadConfig } from "../server/src/config.ts";
import { openDatabase, type Db } from "../server/src/db/index.ts";
import { systemContext } from "../server/src/access/context.ts";
import { newId } from "../server/src/ids.ts";
import { AuditService } from "../server/src/modules/audit/service.ts";
import { UserService } from "../server/src/modules/users/service.ts";
import {
  DEFAULT_PLANT,
  dropPlant,
  generatePlant,
  plantOptionsFromArgs,
  PLANT_ARGS,
  seededRandom,
  type PlantOptions,
  type PlantSummary,
} from "./generate-plant.ts";
import {
  dropPgSchema,
  login,
  PASSWORD,
  machineDescription,
  markdownTable,
  PG_URL,
  startServer,
  stopServer,
  writeDocSection,
  type Row,
} from "./lib.ts";

const DAY = 86_400_000;
const BUDGET_MS = 100;
const EXPORT_BUDGET = 100_000;

interface Sizes {
  shots: number;
  failures: number;
  actions: number;
  exportRows: number;
}

const { values } = parseArgs({
  options: {
    small: { type: "boolean" },
    postgres: { type: "boolean" },
    "no-write": { type: "boolean" },
    ...PLANT_ARGS,
    shots: { type: "string" },
    failures: { type: "string" },
    actions: { type: "string" },
    "export-rows": { type: "string" },
    requests: { type: "string" },
    warmup: { type: "string" },
  },
});
const small = values.small === true;
const num = (key: keyof typeof values, full: number, little: number) =>
  typeof values[key] === "string" ? Number(values[key]) : small ? little : full;
/** `--small`: a plant a busy laptop generates in a minute. */
const SMALL_PLANT: PlantOptions = { seed: 1, lines: 4, machines: 40, downtimes: 30_000, repairs: 5_000, years: 2 };
const plantOptions = plantOptionsFromArgs(values, small ? SMALL_PLANT : DEFAULT_PLANT);
const sizes: Sizes = {
  shots: num("shots", 10_000_000, 300_000),
  failures: num("failures", 100_000, 3_000),
  actions: num("actions", 200_000, 6_000),
  exportRows: num("export-rows", 1_000_000, 100_000),
};
const requests = num("requests", 50, 20);
const warmup = num("warmup", 3, 2);
const log = (m: string) => console.error(m);

/** Rows in multi-row INSERTs inside one transaction per table (both databases). */
async function insertAll<T extends Record<string, unknown>>(
  db: Db,
  table: string,
  rows: Iterable<T>,
  chunk = 500,
): Promise<number> {
  let count = 0;
  let batch: T[] = [];
  await db.kysely.transaction().execute(async (trx) => {
    for (const row of rows) {
      batch.push(row);
      if (batch.length === chunk) {
        await trx
          .insertInto(table as never)
          .values(batch)
          .execute();
        count += batch.length;
        batch = [];
      }
    }
    if (batch.length)
      await trx
        .insertInto(table as never)
        .values(batch)
        .execute();
    count += batch.length;
  });
  return count;
}

/** Tools, mounts, shots, failure reports, actions, plans and logs on top of the plant, from the seed. */
async function addAnalyticsData(
  db: Db,
  plant: PlantSummary,
): Promise<{ tools: string[]; exportTool: string | null; exportFrom: string }> {
  const random = seededRandom(plant.options.seed * 7919);
  const start = Date.parse(plant.start);
  const end = Date.parse(plant.end);
  const iso = (ms: number) => new Date(ms).toISOString();
  const machines = plant.machines;
  const toolCount = Math.round(machines.length * 1.5);
  const tools = Array.from({ length: toolCount }, (_, i) => ({
    id: newId(start + i),
    asset_number: `BT-${String(i).padStart(5, "0")}`,
    name: `Bench mould ${i}`,
    cavity_count: 1 + (i % 8),
    status: "active",
    rated_life_shots: 1_000_000 + (i % 5) * 500_000,
    lifetime_shots: 0,
    created_at: iso(start),
    updated_at: iso(start),
  }));
  await insertAll(db, "tools", tools);
  const ids = tools.map((t) => t.id);
  // Mounts: each tool in turns of 3–30 days on a machine.
  const mounts = function* () {
    for (const [i, id] of ids.entries()) {
      let at = start + Math.floor(random() * 5 * DAY);
      while (at < end) {
        const until = at + (3 + Math.floor(random() * 27)) * DAY;
        yield {
          id: newId(at),
          tool_id: id,
          machine_id: machines[(i + Math.floor(random() * machines.length)) % machines.length].id,
          mounted_at: iso(at),
          unmounted_at: until >= end ? null : iso(until),
        };
        at = until + Math.floor(random() * 3 * DAY);
      }
    }
  };
  log(`  mounts: ${await insertAll(db, "tool_mounts", mounts())}`);
  // Shot entries: spread evenly over the tools and the history; the first tool gets `exportRows` of them in a row
  // at the end of the history, so the export measures exactly that many.
  const perTool = Math.max(1, Math.floor((sizes.shots - sizes.exportRows) / Math.max(1, ids.length - 1)));
  const exportFrom = iso(end - 200 * DAY);
  const shots = function* () {
    for (const [i, id] of ids.entries()) {
      const n = i === 0 ? sizes.exportRows : perTool;
      const from = i === 0 ? Date.parse(exportFrom) : start;
      const step = (end - from) / (n + 1);
      for (let j = 0; j < n; j++) {
        const at = Math.floor(from + step * (j + 1));
        yield {
          id: newId(at),
          tool_id: id,
          machine_id: null,
          delta: 1 + Math.floor(random() * 16),
          total: null,
          counter_reset: false,
          source: "plc",
          recorded_at: iso(at),
          external_id: null,
          created_by: null,
          request_id: null,
          created_at: iso(at),
        };
      }
    }
  };
  const began = performance.now();
  const inserted = await insertAll(db, "shot_entries", shots(), 800);
  log(`  shot entries: ${inserted} in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  // Daily totals as the shots service keeps them, and lifetime counters.
  const day =
    db.dialect === "postgres"
      ? sql`to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD')`
      : sql`substr(recorded_at, 1, 10)`;
  await sql`delete from tool_shot_day_totals`.execute(db.kysely);
  await sql`insert into tool_shot_day_totals (tool_id, day, shots, entries)
    select tool_id, ${day}, sum(delta), count(*) from shot_entries group by 1, 2`.execute(db.kysely);
  await sql`update tools set lifetime_shots = coalesce((select sum(delta) from shot_entries s where s.tool_id = tools.id), 0)`.execute(
    db.kysely,
  );
  // The admin the server would create on its first start (with the bench's password), so records have an author.
  await new UserService(db, new AuditService(db)).bootstrapAdmin(systemContext(), PASSWORD);
  const reporter = (
    await db.kysely.selectFrom("users").select("id").where("username", "=", "admin").executeTakeFirstOrThrow()
  ).id;
  const codes = (await db.kysely.selectFrom("failure_codes").select("id").execute()).map((c) => c.id);
  const severities = ["low", "medium", "medium", "high", "critical"];
  const failures = function* () {
    for (let i = 0; i < sizes.failures; i++) {
      const at = start + Math.floor(random() * (end - start));
      const onTool = random() < 0.7;
      yield {
        id: newId(at),
        tool_id: onTool ? ids[Math.floor(random() * ids.length)] : null,
        machine_id: onTool ? null : machines[Math.floor(random() * machines.length)].id,
        failure_code_id: codes[Math.floor(random() * codes.length)],
        severity: severities[Math.floor(random() * severities.length)],
        occurred_at: iso(at),
        affected_components: "[]",
        impacted_part_numbers: "[]",
        status: random() < 0.9 ? "closed" : "open",
        reported_by: reporter,
        created_at: iso(at),
        updated_at: iso(at),
      };
    }
  };
  log(`  failure reports: ${await insertAll(db, "failure_reports", failures())}`);
  const statuses = ["completed", "completed", "verified", "cancelled", "open", "in_progress"];
  const actions = function* () {
    for (let i = 0; i < sizes.actions; i++) {
      const at = start + Math.floor(random() * (end - start));
      const status =
        at > end - 120 * DAY ? statuses[Math.floor(random() * statuses.length)] : statuses[Math.floor(random() * 4)];
      yield {
        id: newId(at),
        title: `Bench action ${i}`,
        kind: "corrective",
        priority: ["low", "medium", "high", "critical"][i % 4],
        due_date: iso(at + Math.floor(random() * 30) * DAY).slice(0, 10),
        status,
        tool_id: i % 2 === 0 ? ids[i % ids.length] : null,
        machine_id: i % 2 === 1 ? machines[i % machines.length].id : null,
        created_by: reporter,
        created_at: iso(at),
        updated_at: iso(at),
      };
    }
  };
  log(`  actions: ${await insertAll(db, "actions", actions())}`);
  // Two plans per tool (days and shots) and completed logs roughly on schedule.
  const plans = ids.flatMap((id, i) => [
    {
      id: newId(start + i),
      tool_id: id,
      name: "Clean",
      activity: "cleaning",
      interval_days: 30,
      interval_shots: null,
      warn_at_percent: 90,
      active: true,
      last_done_at: iso(start),
      last_done_shots: 0,
      created_at: iso(start),
      updated_at: iso(start),
    },
    {
      id: newId(start + i + 1),
      tool_id: id,
      name: "Overhaul",
      activity: "overhaul",
      interval_days: null,
      interval_shots: 200_000,
      warn_at_percent: 90,
      active: true,
      last_done_at: iso(start),
      last_done_shots: 0,
      created_at: iso(start),
      updated_at: iso(start),
    },
  ]);
  await insertAll(db, "maintenance_plans", plans);
  const logs = function* () {
    for (const plan of plans.filter((p) => p.interval_days !== null)) {
      for (
        let at = start + (25 + Math.floor(random() * 10)) * DAY;
        at < end;
        at += (25 + Math.floor(random() * 12)) * DAY
      ) {
        yield {
          id: newId(at),
          tool_id: plan.tool_id,
          plan_id: plan.id,
          kind: "cleaning",
          performed_by: reporter,
          performed_at: iso(at),
          results: "[]",
          spare_parts: "[]",
          follow_up_required: false,
          status: "completed",
          completed_at: iso(at),
          created_by: reporter,
          created_at: iso(at),
          updated_at: iso(at),
        };
      }
    }
  };
  log(`  maintenance logs: ${await insertAll(db, "maintenance_logs", logs())}`);
  if (db.dialect === "postgres") await sql`analyze`.execute(db.kysely);
  return { tools: ids, exportTool: ids[0] ?? null, exportFrom };
}

interface Call {
  name: string;
  path: string;
  params: (plant: PlantSummary, random: () => number) => Record<string, string>;
}

function yearBefore(plant: PlantSummary, random: () => number, days = 365) {
  const last = Math.floor(Date.parse(plant.end) / DAY) * DAY;
  const span = Math.floor((Date.parse(plant.end) - Date.parse(plant.start)) / DAY);
  const to = last - Math.floor(random() * Math.max(1, span - days - 1)) * DAY;
  return { from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
}
const pickLine = (plant: PlantSummary, random: () => number) =>
  plant.lines[Math.floor(random() * plant.lines.length)].id;

const CALLS: Call[] = [
  {
    name: "series, plant, one year by week",
    path: "series",
    params: (p, r) => ({ ...yearBefore(p, r), bucket: "week" }),
  },
  {
    name: "series, plant, one year by day",
    path: "series",
    params: (p, r) => ({ ...yearBefore(p, r), bucket: "day" }),
  },
  {
    name: "series, one line, one year by month",
    path: "series",
    params: (p, r) => ({ ...yearBefore(p, r), bucket: "month", line_id: pickLine(p, r) }),
  },
  { name: "downtime Pareto, plant, one year", path: "downtime-pareto", params: (p, r) => yearBefore(p, r) },
  {
    name: "failure trends, plant, one year by week",
    path: "failure-trends",
    params: (p, r) => ({ ...yearBefore(p, r), bucket: "week" }),
  },
  { name: "tool utilisation, plant, one month", path: "tool-utilisation", params: (p, r) => yearBefore(p, r, 30) },
  {
    name: "tool utilisation, one line, one year",
    path: "tool-utilisation",
    params: (p, r) => ({ ...yearBefore(p, r), line_id: pickLine(p, r) }),
  },
  { name: "top tools, plant, one year", path: "top-tools", params: (p, r) => yearBefore(p, r) },
  {
    name: "maintenance compliance, plant, one year",
    path: "maintenance-compliance",
    params: (p, r) => yearBefore(p, r),
  },
  { name: "actions ageing, plant", path: "actions-ageing", params: () => ({}) },
];

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
const fmt = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** Peak resident memory of a process (Linux VmHWM), in MB. */
function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

async function measureBackend(
  backend: "sqlite" | "postgres",
  env: Record<string, string>,
  port: number,
  plant: PlantSummary,
  extra: { exportTool: string | null; exportFrom: string },
): Promise<Row[]> {
  const rows: Row[] = [];
  const server = await startServer(env, port);
  try {
    const auth = await login(server);
    for (const call of CALLS) {
      const random = seededRandom(plant.options.seed * 100 + CALLS.indexOf(call));
      const urls = Array.from(
        { length: warmup + requests },
        () =>
          `${server.base}/api/v1/analytics/${call.path}?${new URLSearchParams(call.params(plant, random)).toString()}`,
      );
      const latencies: number[] = [];
      let failed = 0;
      for (const [i, url] of urls.entries()) {
        const began = performance.now();
        const res = await fetch(url, { headers: auth });
        await res.text();
        if (res.status !== 200) failed++;
        if (i >= warmup) latencies.push(performance.now() - began);
      }
      const sorted = latencies.toSorted((a, b) => a - b);
      const p95 = percentile(sorted, 0.95);
      const value = `p50 ${fmt(percentile(sorted, 0.5))} ms, p95 ${fmt(p95)} ms, max ${fmt(sorted.at(-1) ?? NaN)} ms; ${latencies.length} requests, ${failed} failed`;
      log(`${backend} ${call.name}: ${value}`);
      rows.push({
        backend,
        name: `${call.name}: GET /api/v1/analytics/${call.path}`,
        value,
        budget: `p95 < ${BUDGET_MS} ms`,
        ok: p95 < BUDGET_MS && failed === 0,
      });
    }
    if (extra.exportTool) {
      const rssBefore = peakRssMb(server.child.pid!);
      const began = performance.now();
      const res = await fetch(
        `${server.base}/api/v1/shots/export.csv?tool_id=${extra.exportTool}&from=${extra.exportFrom}&to=${plant.end}`,
        { headers: auth },
      );
      let lines = -1; // the header
      let bytes = 0;
      for await (const chunk of res.body!) {
        const data = chunk as Uint8Array;
        bytes += data.length;
        for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
      }
      const seconds = (performance.now() - began) / 1000;
      const rate = lines / seconds;
      const peak = peakRssMb(server.child.pid!);
      const value = `${lines.toLocaleString("en-US")} rows (${(bytes / 1e6).toFixed(0)} MB) in ${seconds.toFixed(1)} s: ${Math.round(rate).toLocaleString("en-US")} rows/s; server peak RSS ${peak?.toFixed(0) ?? "?"} MB (before the export ${rssBefore?.toFixed(0) ?? "?"} MB)`;
      log(`${backend} CSV export: ${value}`);
      rows.push({
        backend,
        name: "CSV export of shot entries: GET /api/v1/shots/export.csv",
        value,
        budget: `≥ ${EXPORT_BUDGET.toLocaleString("en-US")} rows/s, RSS ≤ 300 MB`,
        ok: rate >= EXPORT_BUDGET && (peak ?? 0) <= 300,
      });
    }
  } finally {
    await stopServer(server);
  }
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const loadBefore = os.loadavg()[0];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-analytics-"));
  let plant: PlantSummary;
  try {
    log(`SQLite plant into ${dataDir}`);
    plant = await generatePlant({ kind: "sqlite", dataDir }, plantOptions, (m) => log(`  ${m}`));
    const db = await openDatabase(loadConfig({ HOM_DATA_DIR: dataDir, HOM_LOG_LEVEL: "silent" }).database);
    const extra = await addAnalyticsData(db, plant).finally(() => db.close());
    rows.push(...(await measureBackend("sqlite", { HOM_DATA_DIR: dataDir }, 18_930, plant, extra)));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (values.postgres) {
    const schema = `hom_bench_analytics_${process.pid}`;
    const target = { kind: "postgres" as const, url: PG_URL, schema };
    const pgDataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-analytics-"));
    try {
      await dropPlant(target);
      log(`PostgreSQL plant into schema ${schema}`);
      const pgPlant = await generatePlant(target, { ...plantOptions, end: plant.end }, (m) => log(`  ${m}`));
      const db = await openDatabase(
        loadConfig({ HOM_DATA_DIR: pgDataDir, DATABASE_URL: PG_URL, HOM_PG_SCHEMA: schema, HOM_LOG_LEVEL: "silent" })
          .database,
      );
      const extra = await addAnalyticsData(db, pgPlant).finally(() => db.close());
      rows.push(
        ...(await measureBackend(
          "postgres",
          { HOM_DATA_DIR: pgDataDir, DATABASE_URL: PG_URL, HOM_PG_SCHEMA: schema },
          18_931,
          pgPlant,
          extra,
        )),
      );
    } finally {
      rmSync(pgDataDir, { recursive: true, force: true });
      await dropPgSchema(PG_URL, schema);
    }
  }
  const n = (x: number) => x.toLocaleString("en-US");
  const command = `npm run bench:analytics -- ${process.argv.slice(2).join(" ")}`.trim();
  const section =
    `Latest run: ${new Date().toISOString().slice(0, 10)}, on ${machineDescription()}.\n` +
    `Command: \`${command}\`.\n` +
    `Plant: ${plant.lines.length} lines, ${plant.machines.length} machines, ${n(plant.counts.downtimes)} downtimes over ${plant.options.years} years; ` +
    `${n(Math.round(plant.machines.length * 1.5))} tools, ${n(sizes.shots)} shot entries, ${n(sizes.failures)} failure reports, ${n(sizes.actions)} actions, ` +
    `2 plans per tool. Each call: ${warmup} warm-up and ${requests} timed requests over one connection, each for another period or line ` +
    `(seeded). Load average (1 min) before ${loadBefore.toFixed(1)}, after ${os.loadavg()[0].toFixed(1)}.` +
    `${small ? " **Small run** (--small): proves the bench, not the budgets." : ""}\n\n${markdownTable(rows)}\n`;
  console.log(section);
  if (!values["no-write"]) writeDocSection("bench:analytics", section);
}

await main();
