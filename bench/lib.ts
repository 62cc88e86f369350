// Shared by the benchmarks: start HOM as its own process, log in, and rewrite a generated section of docs/benchmarks.md.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export const root = path.resolve(import.meta.dirname, "..");
export const PASSWORD = "bench-admin-password";
export const PG_URL = process.env.HOM_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Node flags of `npm start` (package.json "start"): a young generation of 2 MB semi-spaces, one V8 helper thread,
 * and an old generation allowed to grow by half its live size before a full collection (V8's default lets it
 * grow up to 4×, mostly with garbage under load: docs/benchmarks.md "Session 5").
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=2", "--v8-pool-size=1", "--heap-growing-percent=50"];

export interface Server {
  child: ChildProcess;
  base: string;
  readyMs: number;
}

/** One line of a results table; `ok` null when the figure has no budget. */
export type Row = { backend: string; name: string; value: string; budget: string; ok: boolean | null };

export async function startServer(env: Record<string, string>, port: number): Promise<Server> {
  // Another benchmark's server on this port would answer the readiness probe below, and take our requests.
  const taken = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`port ${port} is already in use: is another benchmark running?`);
  // Started as `npm start` starts it (package.json): the built JavaScript, rebuilt if the sources
  // changed, so RSS and throughput are production's.
  execFileSync(process.execPath, ["server/build.mjs", "--if-stale"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const started = performance.now();
  // HOM_BENCH_SERVER_FLAGS: more Node/V8 flags for the server only, for those NODE_OPTIONS refuses
  // (e.g. `--heap-growing-percent=100`, `--optimize-for-size`), to compare memory settings.
  const extraFlags = (process.env.HOM_BENCH_SERVER_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...extraFlags, "server/dist/main.js", "serve"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOM_LOG_LEVEL: "warn",
      HOM_ADMIN_PASSWORD: PASSWORD,
      PORT: String(port),
      // Extra options for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
      ...(process.env.HOM_BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.HOM_BENCH_NODE_OPTIONS } : {}),
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
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    if (performance.now() - started > 30_000) throw new Error("server did not become ready in 30 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, base, readyMs: performance.now() - started };
}

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.kill("SIGTERM");
  await exited;
}

/** Logs in as the bootstrap admin; returns the Authorization header. */
export async function login(server: Server): Promise<Record<string, string>> {
  const response = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: PASSWORD }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const { access_token } = (await response.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}` };
}

export async function dropPgSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
    // pg-boss keeps the job tables of a HOM schema in a schema of their own (server/src/jobs).
    await client.query(`drop schema if exists "${schema}_jobs" cascade`);
  } finally {
    await client.end();
  }
}

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.versions.node}`;
}

export function markdownTable(rows: Row[]): string {
  return [
    "| backend | measure | figure | budget | met |",
    "|---|---|---|---|:-:|",
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.name} | ${r.value} | ${r.budget} | ${r.ok === null ? "" : r.ok ? "yes" : "**NO**"} |`,
    ),
  ].join("\n");
}

/** Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in docs/benchmarks.md. */
export function writeDocSection(name: string, section: string): void {
  const file = path.join(root, "docs/benchmarks.md");
  const doc = readFileSync(file, "utf8");
  const begin = `<!-- ${name}:begin -->\n`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has no ${begin.trim()} … ${end} section`);
  writeFileSync(file, doc.slice(0, from + begin.length) + section + doc.slice(to));
}

/** Resident memory of a process, from /proc (Linux), in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Sums the series of one metric in Prometheus text, optionally only those whose labels match. */
export function metricSum(text: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** POSTs JSON as `auth` while setting up a bench (lines, machines, tools …); anything but 2xx stops the bench. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of every shape
export async function postJson<T = any>(
  server: Server,
  auth: Record<string, string>,
  url: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(`${server.base}${url}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
