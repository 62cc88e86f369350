// `npm run bench`: measures the budgets of DESIGN.md that exist so far and rewrites docs/benchmarks.md.
// The server runs as its own process (as in production); load comes from this process over loopback.
// Options: --duration S (default 10), --connections N (default 50), --postgres (also run on PostgreSQL),
// --no-kpis (skip the KPI benchmark over a generated plant, bench/kpis.ts, which takes its options too),
// --no-mqtt (skip the MQTT feed benchmark, bench/mqtt.ts; run alone for its options).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { benchKpis, KPI_ARGS, kpiOptionsFromArgs } from "./kpis.ts";
import { benchMqtt, MQTT_DEFAULTS } from "./mqtt.ts";
import {
  dropPgSchema,
  login,
  machineDescription,
  markdownTable,
  rssMb,
  PG_URL,
  startServer,
  stopServer,
  writeDocSection,
  type Row,
} from "./lib.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    postgres: { type: "boolean", default: false },
    kpis: { type: "boolean", default: true },
    mqtt: { type: "boolean", default: true },
    ...KPI_ARGS,
  },
  allowNegative: true,
});
const duration = Number(values.duration);
const connections = Number(values.connections);

async function load(url: string, headers: Record<string, string> = {}, post?: unknown) {
  const result = await autocannon({
    url,
    connections,
    duration,
    headers: post ? { ...headers, "content-type": "application/json" } : headers,
    ...(post ? { method: "POST" as const, body: JSON.stringify(post) } : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    ok2xx: result["2xx"],
    errors: result.errors + result.timeouts,
  };
}

/** 150 tools, the first mounted on a machine: a registry worth listing. Returns their ids. */
async function seedTools(base: string, auth: Record<string, string>): Promise<string[]> {
  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const line = await post("/api/v1/lines", { code: "BENCH", name: "Bench line" });
  const machine = await post("/api/v1/machines", { line_id: line.id, code: "BENCH-1", name: "Bench press" });
  const ids: string[] = [];
  for (let i = 0; i < 150; i++) {
    const tool = await post("/api/v1/tools", {
      asset_number: `BENCH-${String(i).padStart(3, "0")}`,
      name: `Bench mould ${i}`,
      cavity_count: 4,
      rated_life_shots: 1_000_000,
      lifetime_shots: i * 1000,
    });
    ids.push(tool.id);
  }
  await post(`/api/v1/tools/${ids[0]}/mount`, { machine_id: machine.id });
  return ids;
}

const BATCH_SIZE = 10_000;
const BATCH_CLIENTS = 2;

/** The registry's summed lifetime shots. */
async function lifetimeSum(base: string, auth: Record<string, string>): Promise<number> {
  const res = await fetch(`${base}/api/v1/tools?limit=500`, { headers: auth });
  const { items } = (await res.json()) as { items: { lifetime_shots: number }[] };
  return items.reduce((sum, tool) => sum + tool.lifetime_shots, 0);
}

/** The lifetime sum once two reads half a second apart agree: no write is still landing. */
async function settledLifetimeSum(base: string, auth: Record<string, string>): Promise<number> {
  let last = await lifetimeSum(base, auth);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await lifetimeSum(base, auth);
    if (now === last) return now;
    last = now;
  }
}

/**
 * Batch ingest (POST /api/v1/shots): BATCH_CLIENTS clients each post full batches of counts for
 * the tools, with idempotency keys (as imports and gateways send them), one after another for
 * `duration` seconds. Returns entries sent, stored (per the results) and counted (lifetime shots).
 */
async function loadBatches(base: string, auth: Record<string, string>, toolIds: string[]) {
  // The shots before this (the previous endpoint's requests still in flight when its load stopped)
  // must land before the starting sum is taken, or they would count as this run's.
  const before = await settledLifetimeSum(base, auth);
  let batch = 0;
  let sent = 0;
  let stored = 0;
  let failed = 0;
  const headers = { ...auth, "content-type": "application/json" };
  const started = performance.now();
  const until = started + duration * 1000;
  await Promise.all(
    Array.from({ length: BATCH_CLIENTS }, async () => {
      while (performance.now() < until) {
        const n = batch++;
        const entries = Array.from(
          { length: BATCH_SIZE },
          (_, i) =>
            `{"tool_id":"${toolIds[i % toolIds.length]}","count":1,"source":"import","external_id":"bench-${n}-${i}"}`,
        );
        const res = await fetch(`${base}/api/v1/shots`, {
          method: "POST",
          headers,
          body: `{"entries":[${entries.join(",")}]}`,
        });
        sent += BATCH_SIZE;
        if (!res.ok) {
          failed++;
          await res.body?.cancel();
          continue;
        }
        const { results } = (await res.json()) as { results: { status: string }[] };
        stored += results.filter((r) => r.status === "stored").length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const counted = (await lifetimeSum(base, auth)) - before;
  return { sent, stored, counted, failed, perSecond: stored / seconds };
}

async function benchBackend(backend: "sqlite" | "postgres", port: number): Promise<Row[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-"));
  const schema = `hom_bench_${process.pid}`;
  const env: Record<string, string> = { HOM_DATA_DIR: dataDir };
  if (backend === "postgres") Object.assign(env, { DATABASE_URL: PG_URL, HOM_PG_SCHEMA: schema });
  const rows: Row[] = [];
  try {
    // First start creates the schema; the budget is for a start on an existing database.
    await stopServer(await startServer(env, port));
    const server = await startServer(env, port);
    rows.push({
      backend,
      name: "ready after start (existing database)",
      value: `${Math.round(server.readyMs)} ms`,
      budget: "≤ 2000 ms",
      ok: server.readyMs <= 2000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMb(server.child.pid!);
    rows.push({ backend, name: "RSS idle", value: `${idle.toFixed(0)} MB`, budget: "≤ 150 MB", ok: idle <= 150 });

    const auth = await login(server);

    const health = await load(`${server.base}/healthz`);
    const me = await load(`${server.base}/api/v1/me`, auth);
    const toolIds = await seedTools(server.base, auth);
    const toolId = toolIds[0];
    const tools = await load(`${server.base}/api/v1/tools?limit=100`, auth);
    const shots = await load(`${server.base}/api/v1/tools/${toolId}/shots`, auth, { count: 1 });
    const tool = (await (await fetch(`${server.base}/api/v1/tools/${toolId}`, { headers: auth })).json()) as {
      lifetime_shots: number;
    };
    const batches = await loadBatches(server.base, auth, toolIds);
    const loaded = rssMb(server.child.pid!);
    await stopServer(server);

    const describe = (r: typeof health) =>
      `${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
    rows.push({
      backend,
      name: "GET /healthz",
      value: describe(health),
      budget: "reference",
      ok: health.non2xx === 0 && health.errors === 0,
    });
    const ratio = (me.rps / health.rps) * 100;
    rows.push({
      backend,
      name: "GET /api/v1/me (authenticated read)",
      value: `${describe(me)}; ${ratio.toFixed(0)} % of /healthz`,
      budget: "≥ 25 % of /healthz, p99 < 25 ms",
      ok: ratio >= 25 && me.p99 < 25 && me.non2xx === 0,
    });
    const listRatio = (tools.rps / health.rps) * 100;
    rows.push({
      backend,
      name: "GET /api/v1/tools?limit=100",
      value: `${describe(tools)}; ${listRatio.toFixed(0)} % of /healthz`,
      budget: "≥ 25 % of /healthz, p99 < 25 ms",
      ok: listRatio >= 25 && tools.p99 < 25 && tools.non2xx === 0,
    });
    // Every acknowledged increment must be in lifetime_shots: the opening count was 0 for the first tool.
    // (Requests still in flight when the load stops may be stored without being counted: more is fine.)
    const lost = Math.max(0, shots.ok2xx - tool.lifetime_shots);
    rows.push({
      backend,
      name: `POST /api/v1/tools/{id}/shots ({count: 1}, ${connections} writers on one tool)`,
      value: `${describe(shots)}; ${shots.ok2xx} acknowledged, lifetime_shots ${tool.lifetime_shots}, lost ${lost}`,
      budget: "≥ 3,000 req/s, no lost increment",
      ok: shots.rps >= 3000 && lost === 0 && shots.non2xx === 0,
    });
    const exact = batches.stored === batches.sent && batches.counted === batches.sent && batches.failed === 0;
    rows.push({
      backend,
      name: `POST /api/v1/shots (batches of ${BATCH_SIZE.toLocaleString("en")} counts with keys, ${BATCH_CLIENTS} clients)`,
      value: `${Math.round(batches.perSecond)} entries/s; ${batches.sent} sent, ${batches.stored} stored, ${batches.counted} counted, ${batches.failed} failed batches`,
      budget: backend === "sqlite" ? "≥ 100,000 entries/s, all stored" : "reference, all stored",
      ok: backend === "sqlite" ? batches.perSecond >= 100_000 && exact : exact ? null : false,
    });
    rows.push({
      backend,
      name: "RSS after load",
      value: `${loaded.toFixed(0)} MB`,
      budget: "≤ 300 MB",
      ok: loaded <= 300,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (backend === "postgres") await dropPgSchema(PG_URL, schema);
  }
  return rows;
}

const rows: Row[] = [];
rows.push(...(await benchBackend("sqlite", 18_900)));
if (values.postgres) rows.push(...(await benchBackend("postgres", 18_901)));

const date = new Date().toISOString().slice(0, 10);
const args = process.argv.slice(2).join(" ");
const command = `npm run bench${args ? ` -- ${args}` : ""}`;
const section = `Latest run: ${date}, on ${machineDescription()}.\nCommand: \`${command}\` (autocannon, ${connections} connections, ${duration} s per endpoint; server and load generator share the machine).\n\n${markdownTable(rows)}\n`;
writeDocSection("bench", section);
console.log(section);

if (values.kpis) {
  const kpis = await benchKpis(kpiOptionsFromArgs(values), command);
  writeDocSection("bench:kpis", kpis.section);
  console.log(kpis.section);
}

if (values.mqtt) {
  const mqtt = await benchMqtt({ ...MQTT_DEFAULTS, postgres: values.postgres }, command);
  writeDocSection("bench:mqtt", mqtt.section);
  console.log(mqtt.section);
}
