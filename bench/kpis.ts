// KPI and Pareto latency over a generated plant (DESIGN.md: KPIs over 1 M downtimes < 100 ms p95, SQLite and
// PostgreSQL). Called by `npm run bench`; alone: `npm run bench:kpis [-- --postgres]`, which rewrites only the
// `bench:kpis` section of docs/benchmarks.md.
// The SQLite plant is cached under bench/.cache/ (keyed by its parameters, the generator and the migrations) and
// copied for each run; PostgreSQL gets the same plant (same seed and end) in a schema of its own, dropped afterwards.
// Options: --postgres, --requests N (per query, default 200), --warmup N (5), --concurrency N (1), --max-seconds S
// (per query, 120), --fresh (regenerate the SQLite plant), --no-write, and the plant sizes of generate-plant.ts.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  dropPlant,
  generatePlant,
  PLANT_ARGS,
  plantOptionsFromArgs,
  seededRandom,
  sqliteFile,
  type PlantOptions,
  type PlantSummary,
} from "./generate-plant.ts";
import {
  dropPgSchema,
  login,
  machineDescription,
  markdownTable,
  PG_URL,
  root,
  startServer,
  stopServer,
  writeDocSection,
  type Row,
} from "./lib.ts";

export interface KpiBenchOptions {
  plant: PlantOptions;
  postgres: boolean;
  requests: number;
  warmup: number;
  concurrency: number;
  maxSeconds: number;
  fresh: boolean;
}

const DAY = 86_400_000;
const BUDGET_MS = 100;
const CACHE_MAX_AGE_DAYS = 7;

interface Query {
  name: string;
  path: "kpis" | "downtime-pareto";
  /** The query strings of the requests, drawn from a seed so both databases get the same ones. */
  params: (plant: PlantSummary, random: () => number) => Record<string, string>;
}

const dayIso = (ms: number) => new Date(ms).toISOString();
const int = (random: () => number, n: number) => Math.floor(random() * n);

/** A period of `days` ending on a day boundary at most `back` days before the plant's last midnight. */
function period(plant: PlantSummary, random: () => number, days: number): { from: string; to: string } {
  const lastMidnight = Math.floor(Date.parse(plant.end) / DAY) * DAY;
  const span = Math.floor((Date.parse(plant.end) - Date.parse(plant.start)) / DAY);
  const to = lastMidnight - int(random, Math.max(1, span - days - 1)) * DAY;
  return { from: dayIso(to - days * DAY), to: dayIso(to) };
}

const QUERIES: Query[] = [
  {
    name: "KPIs, one line, one year",
    path: "kpis",
    params: (plant, random) => ({
      line_id: plant.lines[int(random, plant.lines.length)].id,
      ...period(plant, random, 365),
    }),
  },
  { name: "KPIs, plant, one year", path: "kpis", params: (plant, random) => period(plant, random, 365) },
  {
    name: "downtime Pareto, plant, one year",
    path: "downtime-pareto",
    params: (plant, random) => period(plant, random, 365),
  },
  {
    name: "KPIs, one machine, one month",
    path: "kpis",
    params: (plant, random) => {
      const { from, to } = period(plant, random, 30);
      // A machine that was in service for the whole month.
      const alive = plant.machines.filter((m) => m.commissioned <= from && (m.retired === null || m.retired >= to));
      return { machine_id: alive[int(random, alive.length)].id, from, to };
    },
  },
];

interface Kpis {
  from: string;
  to: string;
  machines: number;
  availability: number | null;
  failures: number;
  mttr_hours: number | null;
  [field: string]: unknown;
}
interface Pareto {
  items: { reason_code: string | null; category: string; minutes: number; count: number }[];
}

/** What is wrong with an answer, if anything. */
function insane(query: Query, body: unknown): string | null {
  if (query.path === "kpis") {
    const k = body as Kpis;
    if (typeof k.availability !== "number" || k.availability < 0 || k.availability > 1) {
      return `availability ${k.availability}`;
    }
    if (!(k.failures > 0)) return `failures ${k.failures}`;
    if (!(k.machines > 0)) return `machines ${k.machines}`;
    if (typeof k.mttr_hours !== "number" || k.mttr_hours <= 0) return `mttr_hours ${k.mttr_hours}`;
    return null;
  }
  const { items } = body as Pareto;
  if (!items?.length) return "no Pareto items";
  if (items.some((item, i) => i > 0 && item.minutes > items[i - 1].minutes)) return "Pareto not sorted";
  if (!(items.reduce((sum, item) => sum + item.minutes, 0) > 0)) return "Pareto without minutes";
  return null;
}

/** Whether two databases answered the same (reason ids differ between them: the migration makes them). */
function same(query: Query, a: unknown, b: unknown): boolean {
  const close = (x: unknown, y: unknown) =>
    typeof x === "number" && typeof y === "number" ? Math.abs(x - y) <= Math.max(0.011, Math.abs(x) * 1e-6) : x === y;
  if (query.path === "kpis") {
    const x = a as Kpis;
    const y = b as Kpis;
    return Object.keys(x).every((key) => close(x[key], y[key]));
  }
  const key = (item: Pareto["items"][number]) => `${item.reason_code}/${item.category}`;
  const x = new Map((a as Pareto).items.map((item) => [key(item), item]));
  const y = (b as Pareto).items;
  return (
    x.size === y.length &&
    y.every((item) => {
      const other = x.get(key(item));
      return other !== undefined && close(other.minutes, item.minutes) && other.count === item.count;
    })
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;

interface Measured {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  rps: number;
  failed: number;
  insane: number;
  problems: string[];
  answers: Map<string, unknown>;
}

async function measure(
  base: string,
  auth: Record<string, string>,
  query: Query,
  plant: PlantSummary,
  options: KpiBenchOptions,
): Promise<Measured> {
  const random = seededRandom(options.plant.seed * 1000 + QUERIES.indexOf(query));
  const urls = Array.from(
    { length: options.warmup + options.requests },
    () => `/api/v1/analytics/${query.path}?${new URLSearchParams(query.params(plant, random)).toString()}`,
  );
  const get = async (url: string) => {
    const started = performance.now();
    const response = await fetch(base + url, { headers: auth });
    const text = await response.text();
    return { ms: performance.now() - started, status: response.status, text };
  };
  for (const url of urls.slice(0, options.warmup)) await get(url);

  const timed = urls.slice(options.warmup);
  const latencies: number[] = [];
  const problems: string[] = [];
  const answers = new Map<string, unknown>();
  let failed = 0;
  let insaneCount = 0;
  let next = 0;
  const began = performance.now();
  const deadline = began + options.maxSeconds * 1000;
  const worker = async () => {
    while (next < timed.length && performance.now() < deadline) {
      const url = timed[next++];
      const { ms, status, text } = await get(url);
      latencies.push(ms);
      if (status !== 200) {
        failed++;
        problems.push(`${status} ${text.slice(0, 200)} for ${url}`);
        continue;
      }
      const body: unknown = JSON.parse(text);
      answers.set(url, body);
      const problem = insane(query, body);
      if (problem) {
        insaneCount++;
        problems.push(`${problem} for ${url}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = (performance.now() - began) / 1000;
  const sorted = latencies.toSorted((a, b) => a - b);
  return {
    count: latencies.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
    rps: latencies.length / elapsed,
    failed,
    insane: insaneCount,
    problems,
    answers,
  };
}

/** Hash of what the cached plant depends on: its parameters, the generator and the migrations. */
function cacheKey(plant: PlantOptions): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ ...plant, end: undefined }));
  hash.update(readFileSync(path.join(root, "bench/generate-plant.ts")));
  const migrations = path.join(root, "server/src/db/migrations");
  for (const file of readdirSync(migrations).sort())
    hash.update(file).update(readFileSync(path.join(migrations, file)));
  hash.update(readFileSync(path.join(root, "server/src/db/migrate.ts")));
  return hash.digest("hex").slice(0, 12);
}

/** The cached SQLite plant, generated first if missing, stale or asked for. */
async function sqlitePlant(
  options: KpiBenchOptions,
  log: (m: string) => void,
): Promise<{ dir: string; plant: PlantSummary; cached: boolean }> {
  const dir = path.join(root, "bench/.cache", `plant-${cacheKey(options.plant)}`);
  const meta = path.join(dir, "plant.json");
  if (!options.fresh && existsSync(meta)) {
    const plant = JSON.parse(readFileSync(meta, "utf8")) as PlantSummary;
    if (Date.now() - Date.parse(plant.end) < CACHE_MAX_AGE_DAYS * DAY && existsSync(sqliteFile({ dataDir: dir }))) {
      log(`SQLite plant: cached in ${path.relative(root, dir)} (ends ${plant.end})`);
      return { dir, plant, cached: true };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`SQLite plant: generating into ${path.relative(root, dir)}`);
  const plant = await generatePlant({ kind: "sqlite", dataDir: dir }, options.plant, (m) => log(`  ${m}`));
  writeFileSync(meta, JSON.stringify(plant));
  return { dir, plant, cached: false };
}

const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));
const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;

async function run(
  backend: "sqlite" | "postgres",
  env: Record<string, string>,
  port: number,
  plant: PlantSummary,
  options: KpiBenchOptions,
  reference: Map<string, Map<string, unknown>> | null,
  log: (m: string) => void,
): Promise<{ rows: Row[]; answers: Map<string, Map<string, unknown>> }> {
  const server = await startServer(env, port);
  const rows: Row[] = [];
  const answers = new Map<string, Map<string, unknown>>();
  try {
    const auth = await login(server);
    for (const query of QUERIES) {
      const m = await measure(server.base, auth, query, plant, options);
      answers.set(query.name, m.answers);
      let compared = "";
      const before = reference?.get(query.name);
      if (before) {
        const common = [...m.answers.keys()].filter((url) => before.has(url));
        const matching = common.filter((url) => same(query, before.get(url), m.answers.get(url)));
        compared = `, same answer as SQLite for ${matching.length} of ${common.length} distinct requests`;
        for (const url of common.filter((u) => !matching.includes(u)).slice(0, 3)) {
          log(
            `  differs from SQLite: ${url}\n    sqlite   ${JSON.stringify(before.get(url))}\n    postgres ${JSON.stringify(m.answers.get(url))}`,
          );
        }
        if (matching.length < common.length)
          m.problems.push(`${common.length - matching.length} answers differ from SQLite`);
      }
      for (const problem of m.problems.slice(0, 5)) log(`  problem: ${problem}`);
      const value =
        `p50 ${ms(m.p50)} ms, p95 ${ms(m.p95)} ms, p99 ${ms(m.p99)} ms, max ${ms(m.max)} ms; ${m.rps.toFixed(1)} req/s; ` +
        `${m.count} requests, sane ${m.count - m.failed - m.insane}/${m.count}${compared}`;
      log(`${backend} ${query.name}: ${value}`);
      rows.push({
        backend,
        name: `${query.name}: GET /api/v1/analytics/${query.path}`,
        value,
        budget: `p95 < ${BUDGET_MS} ms`,
        ok: m.p95 < BUDGET_MS && m.failed === 0 && m.problems.length === 0,
      });
    }
  } finally {
    await stopServer(server);
  }
  return { rows, answers };
}

function describePlant(plant: PlantSummary): string {
  const c = plant.counts;
  const n = (x: number) => x.toLocaleString("en-US");
  return (
    `${plant.lines.length} lines, ${plant.machines.length} machines, ${n(c.downtimes)} downtimes ` +
    `(${n(c.unplanned)} unplanned, ${n(c.planned)} planned, ${n(c.excluded)} excluded; ${n(c.without_reason)} without reason, ` +
    `${c.ongoing} ongoing, ${n(c.deleted)} deleted), ${n(c.repairs)} repairs (${n(c.repairs_linked)} linked to a downtime), ` +
    `${plant.options.years} years to ${plant.end.slice(0, 16)}Z, seed ${plant.options.seed}`
  );
}

function generationRow(backend: string, plant: PlantSummary, cached: boolean): Row {
  const t = plant.timings;
  const rows = plant.counts.downtimes + plant.counts.repairs;
  const value =
    `${cached ? "cached; when generated: " : ""}${seconds(t.total_ms)} in all: in memory ${seconds(t.generate_ms)}, ` +
    `insert ${seconds(t.insert_ms)} (${t.rows_per_second.toLocaleString("en-US")} rows/s for ${rows.toLocaleString("en-US")} rows), ` +
    `${backend === "sqlite" ? "checkpoint" : "vacuum analyze"} ${seconds(t.finish_ms)}` +
    (plant.bytes ? `; ${(plant.bytes / 2 ** 20).toFixed(0)} MiB file` : "");
  return { backend, name: "generate the plant (bench/generate-plant.ts)", value, budget: "reference", ok: null };
}

export async function benchKpis(
  options: KpiBenchOptions,
  command: string,
  log: (m: string) => void = (m) => console.error(m),
): Promise<{ rows: Row[]; section: string }> {
  const rows: Row[] = [];
  const loadBefore = os.loadavg()[0];
  const { dir, plant, cached } = await sqlitePlant(options, log);
  rows.push(generationRow("sqlite", plant, cached));

  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-kpis-"));
  let reference: Map<string, Map<string, unknown>>;
  try {
    // The server writes (admin, sessions, audit): give it a copy, so the cache stays as generated.
    copyFileSync(sqliteFile({ dataDir: dir }), sqliteFile({ dataDir }));
    const sqlite = await run("sqlite", { HOM_DATA_DIR: dataDir }, 18_910, plant, options, null, log);
    rows.push(...sqlite.rows);
    reference = sqlite.answers;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  if (options.postgres) {
    const schema = `hom_bench_kpis_${process.pid}`;
    const target = { kind: "postgres" as const, url: PG_URL, schema };
    const pgDataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-kpis-"));
    try {
      await dropPlant(target);
      log(`PostgreSQL plant: generating into schema ${schema}`);
      // Same seed and end: the same plant, so the answers can be compared with SQLite's.
      const pgPlant = await generatePlant(target, { ...options.plant, end: plant.end }, (m) => log(`  ${m}`));
      rows.push(generationRow("postgres", pgPlant, false));
      const env = { HOM_DATA_DIR: pgDataDir, DATABASE_URL: PG_URL, HOM_PG_SCHEMA: schema };
      rows.push(...(await run("postgres", env, 18_911, pgPlant, options, reference, log)).rows);
    } finally {
      rmSync(pgDataDir, { recursive: true, force: true });
      await dropPgSchema(PG_URL, schema);
    }
  }

  const date = new Date().toISOString().slice(0, 10);
  const section =
    `Latest run: ${date}, on ${machineDescription()}.\n` +
    `Command: \`${command}\`.\n` +
    `Plant (bench/generate-plant.ts): ${describePlant(plant)}.\n` +
    `Each query: ${options.warmup} warm-up requests, then ${options.requests} timed ones over ${options.concurrency} connection${options.concurrency > 1 ? "s" : ""}, ` +
    `each for another line, machine or period (drawn from a seed, so both databases get the same requests); latency is ` +
    `measured by the client over loopback, server and client share the machine. "Sane": HTTP 200, availability in [0, 1], ` +
    `failures > 0 (KPIs); items sorted by minutes (Pareto). Load average (1 min) before the run ${loadBefore.toFixed(1)}, ` +
    `after it ${os.loadavg()[0].toFixed(1)}.\n\n${markdownTable(rows)}\n`;
  return { rows, section };
}

export function kpiOptionsFromArgs(values: Record<string, string | boolean | undefined>): KpiBenchOptions {
  const num = (key: string, fallback: number) => (typeof values[key] === "string" ? Number(values[key]) : fallback);
  return {
    plant: plantOptionsFromArgs(values),
    postgres: values.postgres === true,
    requests: num("requests", 200),
    warmup: num("warmup", 5),
    concurrency: num("concurrency", 1),
    maxSeconds: num("max-seconds", 120),
    fresh: values.fresh === true,
  };
}

/** Options shared with bench/run.ts. */
export const KPI_ARGS = {
  requests: { type: "string" },
  warmup: { type: "string" },
  concurrency: { type: "string" },
  "max-seconds": { type: "string" },
  fresh: { type: "boolean" },
  ...PLANT_ARGS,
} as const;

if (import.meta.main) {
  const { values } = parseArgs({
    options: { ...KPI_ARGS, postgres: { type: "boolean", default: false }, write: { type: "boolean", default: true } },
    allowNegative: true,
  });
  const options = kpiOptionsFromArgs(values);
  const args = process.argv.slice(2).join(" ");
  const { section } = await benchKpis(options, `npm run bench:kpis${args ? ` -- ${args}` : ""}`);
  if (values.write) writeDocSection("bench:kpis", section);
  console.log(section);
}
