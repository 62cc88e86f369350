import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe } from "node:test";
import { promisify } from "node:util";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { systemContext } from "../src/access/context.ts";
import { buildApp } from "../src/app.ts";
import { loadConfig, type Config } from "../src/config.ts";
import { liveTables } from "../src/db/catalogue.ts";
import type { Database } from "../src/db/schema.ts";
import { startRuntime, type Runtime } from "../src/runtime.ts";

/**
 * Test helpers. Every suite runs once per backend in HOM_TEST_BACKENDS (set by scripts/test.ts);
 * each app gets a fresh SQLite directory or a fresh PostgreSQL schema, dropped afterwards.
 */

export type Backend = "sqlite" | "postgres";
export const BACKENDS = (process.env.HOM_TEST_BACKENDS ?? "sqlite").split(",").filter(Boolean) as Backend[];
export const TEST_PG_URL = process.env.HOM_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const ADMIN_PASSWORD = "admin-password-1";
export const JWT_SECRET = "test-jwt-secret-0123456789-abcdefghijklmnop";
export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const NODE24 = path.join(REPO_ROOT, "node_modules/.bin/node");

export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  for (const backend of BACKENDS) describe(`${name} [${backend}]`, () => fn(backend));
}

export interface TestEnv {
  backend: Backend;
  /** Environment variables that reach this test database (for spawning the CLI). */
  env: Record<string, string>;
  config: Config;
  cleanup(): Promise<void>;
}

/** A fresh, empty database for one backend, and the environment that points HOM at it. */
export async function createTestEnv(backend: Backend, overrides: Record<string, string> = {}): Promise<TestEnv> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "hom-test-"));
  const env: Record<string, string> = {
    HOM_DATA_DIR: dataDir,
    HOM_LOG_LEVEL: "silent",
    HOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HOM_JWT_SECRET: JWT_SECRET,
    // Periodic checks run only where a test drives them (runtime.periodic).
    HOM_PERIODIC_CHECKS: "false",
    // Shot-triggered plan checks without the production gap between rounds (tests await them).
    HOM_PLAN_CHECK_GAP_MS: "0",
    HOM_JOBS: "false", // a test that needs the scheduler turns it on
    ...overrides,
  };
  let schema: string | undefined;
  if (backend === "postgres") {
    schema = `hom_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    env.DATABASE_URL = TEST_PG_URL;
    env.HOM_PG_SCHEMA = schema;
  }
  const config = loadConfig(env);
  return {
    backend,
    env,
    config,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: TEST_PG_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.query(`drop schema if exists "${schema}_jobs" cascade`); // pg-boss's (jobs/pg-boss.ts)
        await client.end();
      }
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  testEnv: TestEnv;
  /** Logs in over HTTP and returns the token pair. */
  login(username: string, password: string): Promise<{ access_token: string; refresh_token: string }>;
  /** Creates a user with the given role (through the admin API) and returns its bearer header. */
  userWithRole(
    role: string,
    username?: string,
  ): Promise<{ id: string; username: string; password: string; auth: Record<string, string> }>;
  adminAuth: Record<string, string>;
  close(): Promise<void>;
}

export async function createTestApp(backend: Backend, overrides: Record<string, string> = {}): Promise<TestApp> {
  const testEnv = await createTestEnv(backend, overrides);
  const runtime = await startRuntime(testEnv.config);
  await runtime.services.users.bootstrapAdmin(systemContext(), testEnv.config.adminPassword);
  const app = await buildApp(runtime, { logger: false });
  await app.ready();

  const login = async (username: string, password: string) => {
    const res = await app.inject({ method: "POST", url: "/api/v1/auth/token", payload: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    return res.json<{ access_token: string; refresh_token: string }>();
  };
  const admin = await login("admin", ADMIN_PASSWORD);
  const adminAuth = { authorization: `Bearer ${admin.access_token}` };
  let counter = 0;

  return {
    app,
    runtime,
    testEnv,
    login,
    adminAuth,
    async userWithRole(role, username = `${role}${++counter}`) {
      const password = `${role}-password-${counter}`;
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: adminAuth,
        payload: { username, password, role },
      });
      if (res.statusCode !== 201) throw new Error(`create ${username} failed: ${res.statusCode} ${res.body}`);
      const tokens = await login(username, password);
      return { id: res.json().id, username, password, auth: { authorization: `Bearer ${tokens.access_token}` } };
    },
    async close() {
      await app.close();
      await testEnv.cleanup();
    },
  };
}

/** POSTs a GraphQL document through /graphql. */
export async function graphql(
  app: FastifyInstance,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await app.inject({ method: "POST", url: "/graphql", headers, payload: { query, variables } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies of every shape
  return { status: res.statusCode, body: res.json<{ data?: Record<string, any> | null; errors?: any[] }>() };
}

/** Number of rows in a table, straight from the database. */
export async function rowCount(runtime: Runtime, table: keyof Database): Promise<number> {
  const row = await runtime.db.kysely
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Number of audit entries, straight from the table. */
export async function auditCount(runtime: Runtime, action?: string): Promise<number> {
  let q = runtime.db.kysely.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n"));
  if (action) q = q.where("action", "=", action);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

const execFileAsync = promisify(execFile);

/** Runs the real `hom` CLI (server/src/main.ts on Node 24) with only the given environment. */
export async function hom(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(NODE24, ["server/src/main.ts", ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * `hom serve` as a process of its own (`args` after node: the sources' or a built main and its
 * flags) on a random loopback port, returned once /readyz answers. Readiness is waited for
 * generously: a loaded CI machine starts slowly, and the ready-in-2-s budget is bench/'s.
 */
export async function serveHom(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(NODE24, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  while (
    !(await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > 60_000) {
      child.kill("SIGKILL");
      throw new Error(`server did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => output };
}

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies of every shape
  body: any;
}

/** REST calls through app.inject as one user: `api.post(url, payload)` → { status, body }. */
export function restClient(app: FastifyInstance, headers: Record<string, string>) {
  const call = async (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown) => {
    const res = await app.inject({ method, url, headers, payload: payload as object | undefined });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  return {
    get: (url: string) => call("GET", url),
    post: (url: string, payload: unknown = {}) => call("POST", url, payload),
    patch: (url: string, payload: unknown) => call("PATCH", url, payload),
    delete: (url: string) => call("DELETE", url),
  };
}

let plantCounter = 0;

/** A line with `machines` machines, made through the API as admin. Codes are unique per call. */
export async function createLineWithMachines(
  t: TestApp,
  machines = 1,
): Promise<{ line: { id: string; code: string }; machines: { id: string; code: string; line_id: string }[] }> {
  const api = restClient(t.app, t.adminAuth);
  const n = ++plantCounter;
  const line = await api.post("/api/v1/lines", { code: `L${n}`, name: `Line ${n}` });
  if (line.status !== 201) throw new Error(`create line: ${line.status} ${JSON.stringify(line.body)}`);
  const made = [];
  for (let i = 1; i <= machines; i++) {
    const machine = await api.post("/api/v1/machines", {
      line_id: line.body.id,
      code: `M${n}-${i}`,
      name: `Press ${n}-${i}`,
    });
    if (machine.status !== 201) throw new Error(`create machine: ${machine.status} ${JSON.stringify(machine.body)}`);
    made.push(machine.body);
  }
  return { line: line.body, machines: made };
}

/** The id of a seeded downtime reason by code. */
export async function reasonId(runtime: Runtime, code: string): Promise<string> {
  const row = await runtime.db.kysely
    .selectFrom("downtime_reasons")
    .select("id")
    .where("code", "=", code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Every table's row count, read from the database's own catalogue (so new tables count too). */
export async function tableCounts(runtime: Runtime): Promise<Record<string, number>> {
  const db = runtime.db;
  const tables = (await liveTables(db, { withMigrationTables: true })).map((t) => t.name);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db.kysely
      .selectFrom(table as never)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/**
 * A fresh, empty PostgreSQL database beside the test one: a restore target (a dump names its
 * schema, so it cannot go into the test database's own schema). `drop` removes it.
 */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const database = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop database if exists "${database}" with (force)`);
      await client.end();
    },
  };
}
