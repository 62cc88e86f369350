import { spawn } from "node:child_process";
import { copyFileSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import pg from "pg";
import type { Config } from "../../config.ts";
import { sqliteKeyHex } from "../../db/sqlite-cipher.ts";
import type { SecretKey } from "../../secret-key.ts";

/**
 * The database half of a backup: a consistent snapshot file while writes continue, and its
 * restore into an empty target. SQLite: `VACUUM INTO` from a second connection (worker thread).
 * PostgreSQL: `pg_dump --format=custom` of HOM's schema (one snapshot transaction), restored
 * with `pg_restore`; the client tools must be installed where HOM runs (docs/operations.md).
 */

export type DatabaseConfig = Config["database"];

export const SNAPSHOT_NAME = { sqlite: "database/hom.sqlite", postgres: "database/hom.pgdump" } as const;

/** `key`: the master key the SQLite database is encrypted with now (it may have been rotated since the start). */
export async function snapshotDatabase(config: DatabaseConfig, target: string, key?: SecretKey): Promise<void> {
  if (config.kind === "sqlite") {
    // The worker's file has this module's extension: .ts from the sources, .js from server/dist.
    const worker = new Worker(
      new URL(`./sqlite-snapshot-worker${path.extname(import.meta.filename)}`, import.meta.url),
      {
        workerData: { source: config.file, target, keyHex: key ? sqliteKeyHex(key) : undefined },
      },
    );
    const result = await new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`snapshot worker exited with ${code}`)));
    });
    await worker.terminate();
    if (!result.ok) throw new Error(`SQLite snapshot failed: ${result.message}`);
    return;
  }
  await run(
    "pg_dump",
    ["--format=custom", "--no-owner", "--no-privileges", `--schema=${config.schema ?? "public"}`, `--file=${target}`],
    pgEnv(config.url),
  );
}

/** Whether the target holds no HOM data: no SQLite file, or no table in the PostgreSQL schema. */
export async function databaseIsEmpty(config: DatabaseConfig): Promise<boolean> {
  if (config.kind === "sqlite") return !existsSync(config.file);
  return withClient(config.url, async (client) => {
    const { rows } = await client.query<{ n: string }>("select count(*) as n from pg_tables where schemaname = $1", [
      config.schema ?? "public",
    ]);
    return Number(rows[0].n) === 0;
  });
}

/**
 * Restores a snapshot file. `sourceSchema` is the PostgreSQL schema the dump was taken from: a
 * dump names its schema, so restoring into another name restores under the old name and renames
 * it (which needs the old name to be free in the target database).
 */
export async function restoreDatabase(
  config: DatabaseConfig,
  file: string,
  sourceSchema: string | undefined,
  force: boolean,
): Promise<void> {
  if (config.kind === "sqlite") {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(config.file + suffix, { force: true });
    copyFileSync(file, config.file);
    return;
  }
  const target = config.schema ?? "public";
  const source = sourceSchema ?? "public";
  await withClient(config.url, async (client) => {
    if (source !== target) {
      const { rows } = await client.query("select 1 from pg_namespace where nspname = $1", [source]);
      if (rows.length > 0) {
        throw new Error(
          `this backup is of schema "${source}", which already exists in the target database: restore into HOM_PG_SCHEMA=${source} there, or into a database without it`,
        );
      }
    }
    if (force || source !== target) await client.query(`drop schema if exists "${target}" cascade`);
    else if (target !== "public") await client.query(`drop schema if exists "${target}"`); // empty: the dump creates it
  });
  // public always exists; other schemas come with the dump.
  if (source === "public") await withClient(config.url, (c) => c.query('create schema if not exists "public"'));
  await run(
    "pg_restore",
    [
      "--no-owner",
      "--no-privileges",
      "--exit-on-error",
      "--single-transaction",
      `--dbname=${dbName(config.url)}`,
      file,
    ],
    pgEnv(config.url),
  );
  if (source !== target) {
    await withClient(config.url, (c) => c.query(`alter schema "${source}" rename to "${target}"`));
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function dbName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

/** Connection settings for the client tools through PG* variables: a password never shows in `ps`. */
function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGDATABASE: dbName(url) };
  if (u.hostname) env.PGHOST = decodeURIComponent(u.hostname);
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()).slice(-4000));
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new Error(`${command} not found: install the PostgreSQL client tools`) : err),
    );
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (${code}): ${stderr.trim()}`)),
    );
  });
}
