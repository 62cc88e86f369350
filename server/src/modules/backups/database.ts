import { spawn } from "node:child_process";
import { copyFileSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
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

/** Puts a restored SQLite snapshot file in the database's place. */
export function restoreSqliteSnapshot(config: Extract<DatabaseConfig, { kind: "sqlite" }>, file: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(config.file + suffix, { force: true });
  copyFileSync(file, config.file);
}

/**
 * Restores a PostgreSQL dump read from `dump`, which pg_restore reads on its standard input: the
 * dump of an encrypted archive is decrypted on its way in and never lies on a disk in the clear.
 * (pg_restore reads a custom-format dump from a pipe in order; only a parallel restore would need
 * to seek.) `sourceSchema` is the schema the dump was taken from: a dump names its schema, so
 * restoring into another name restores under the old name and renames it (which needs the old
 * name to be free in the target database).
 */
export async function restorePostgresDump(
  config: Extract<DatabaseConfig, { kind: "postgres" }>,
  dump: Readable,
  sourceSchema: string | undefined,
  force: boolean,
): Promise<void> {
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
      "--format=custom",
      "--no-owner",
      "--no-privileges",
      "--exit-on-error",
      "--single-transaction",
      `--dbname=${dbName(config.url)}`,
    ],
    pgEnv(config.url),
    dump,
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

/** Runs a client tool; `input` is piped to its standard input. Fails with the tool's own words. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: [input ? "pipe" : "ignore", "ignore", "pipe"] });
    let stderr = "";
    let inputError: Error | undefined;
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()).slice(-4000));
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new Error(`${command} not found: install the PostgreSQL client tools`) : err),
    );
    if (input) {
      // If the input fails (a damaged archive), the tool sees its input end early and fails too;
      // the input's error is the one that explains. If the tool stops reading (EPIPE), its exit
      // code tells, and what it left is drained so the archive reader behind it goes on.
      input.once("error", (err) => {
        inputError = err;
        child.stdin!.destroy();
      });
      child.stdin!.on("error", () => {});
      input.pipe(child.stdin!);
    }
    child.once("close", (code) => {
      if (input && !input.readableEnded) input.resume();
      if (inputError) reject(inputError);
      else if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} failed (${code}): ${stderr.trim()}`));
    });
  });
}
