// `npm run bench`: measures the budgets of DESIGN.md that exist so far and rewrites docs/benchmarks.md.
// The server runs as its own process (as in production); load comes from this process over loopback.
// Options: --duration S (default 10), --connections N (default 50), --postgres (also run on PostgreSQL).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    postgres: { type: "boolean", default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const PASSWORD = "bench-admin-password";
const PG_URL = process.env.HOM_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Server {
  child: ChildProcess;
  base: string;
  readyMs: number;
}

async function startServer(env: Record<string, string>, port: number): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, ["server/src/main.ts", "serve"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOM_LOG_LEVEL: "warn",
      HOM_ADMIN_PASSWORD: PASSWORD,
      PORT: String(port),
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (performance.now() - started > 30_000) throw new Error("server did not become ready in 30 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, base, readyMs: performance.now() - started };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.kill("SIGTERM");
  await exited;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function load(url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections, duration, headers });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

type Row = { backend: string; name: string; value: string; budget: string; ok: boolean | null };

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

    const login = await fetch(`${server.base}/api/v1/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${access_token}` };

    const health = await load(`${server.base}/healthz`);
    const me = await load(`${server.base}/api/v1/me`, auth);
    const users = await load(`${server.base}/api/v1/users?limit=100`, auth);
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
    const listRatio = (users.rps / health.rps) * 100;
    rows.push({
      backend,
      name: "GET /api/v1/users?limit=100 (authenticated list)",
      value: `${describe(users)}; ${listRatio.toFixed(0)} % of /healthz`,
      budget: "≥ 25 % of /healthz, p99 < 25 ms (the tools-list budget, until tools exist)",
      ok: listRatio >= 25 && users.p99 < 25 && users.non2xx === 0,
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
    if (backend === "postgres") {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
  return rows;
}

const rows: Row[] = [];
rows.push(...(await benchBackend("sqlite", 18_900)));
if (values.postgres) rows.push(...(await benchBackend("postgres", 18_901)));

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.versions.node}`;
const date = new Date().toISOString().slice(0, 10);
const command = `npm run bench -- --duration ${duration} --connections ${connections}${values.postgres ? " --postgres" : ""}`;
const table = [
  "| backend | measure | figure | budget | met |",
  "|---|---|---|---|:-:|",
  ...rows.map(
    (r) => `| ${r.backend} | ${r.name} | ${r.value} | ${r.budget} | ${r.ok === null ? "" : r.ok ? "yes" : "**NO**"} |`,
  ),
].join("\n");

const file = path.join(root, "docs/benchmarks.md");
const doc = readFileSync(file, "utf8");
const begin = "<!-- bench:begin -->\n";
const end = "<!-- bench:end -->";
const section = `Latest run: ${date}, on ${machine}.\nCommand: \`${command}\` (autocannon, ${connections} connections, ${duration} s per endpoint; server and load generator share the machine).\n\n${table}\n`;
writeFileSync(file, doc.slice(0, doc.indexOf(begin) + begin.length) + section + doc.slice(doc.indexOf(end)));
console.log(section);
