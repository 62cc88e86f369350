import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import mqtt from "mqtt";
import type { Config } from "../../config.ts";
import { openDatabase, type Db } from "../../db/index.ts";
import { latestMigration, pendingMigrations } from "../../db/migrate.ts";
import { ARCHIVE_PATTERN } from "../backups/archive.ts";

/**
 * `hom doctor` (SPEC §11): a self-check for the Pi and for support calls. It reads and probes,
 * never changes data (no migrations, no file left behind), and never prints a secret: URLs are
 * shown without their credentials and secret variables only as "set".
 */

export type Status = "ok" | "warn" | "fail";
export interface Check {
  name: string;
  status: Status;
  detail: string;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A URL without user and password (they may hold secrets). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

function size(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;
}

function configuration(config: Config): Check {
  const db =
    config.database.kind === "sqlite"
      ? `SQLite ${config.database.file}`
      : `PostgreSQL ${safeUrl(config.database.url)} schema ${config.database.schema ?? "public"}`;
  const parts = [
    `listening on ${config.tls ? "https" : "http"}://${config.host}:${config.port}`,
    db,
    `MQTT ${config.mqttUrl ? safeUrl(config.mqttUrl) : "off"}`,
    `JWT secret ${config.jwtSecret ? "set" : "kept in the database"}`,
    `jobs ${config.jobs.enabled ? "on" : "off"}`,
    `nightly backup ${config.backup.cron ?? "off"} to ${config.backup.dir}, keep ${config.backup.keep}`,
  ];
  const warnings: string[] = [];
  if (!config.tls && !["127.0.0.1", "localhost", "::1"].includes(config.host)) {
    warnings.push("serving plain HTTP on the network: put the TLS proxy in front or set HOM_TLS_CERT/HOM_TLS_KEY");
  }
  if (config.tls) {
    for (const file of [config.tls.cert, config.tls.key]) {
      try {
        readFileSync(file);
      } catch {
        return { name: "configuration", status: "fail", detail: `cannot read TLS file ${file}` };
      }
    }
  }
  return {
    name: "configuration",
    status: warnings.length ? "warn" : "ok",
    detail: [...parts, ...warnings].join("; "),
  };
}

/** Writes and removes a probe file, then reads the free space. */
function storage(name: string, dir: string, required: boolean): Check {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.hom-doctor-${randomBytes(4).toString("hex")}`);
    writeFileSync(probe, "probe");
    rmSync(probe);
  } catch (error) {
    return {
      name,
      status: required ? "fail" : "warn",
      detail: `${dir} is not writable: ${(error as Error).message}`,
    };
  }
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const total = fs.blocks * fs.bsize;
  const detail = `${dir} writable, ${size(free)} free of ${size(total)}`;
  if (free < 256 * MiB) return { name, status: "fail", detail: `${detail}: below 256 MiB` };
  if (free < GiB || free < total * 0.1) return { name, status: "warn", detail: `${detail}: running low` };
  return { name, status: "ok", detail };
}

async function database(config: Config): Promise<{ checks: Check[]; db?: Db }> {
  if (config.database.kind === "sqlite" && !existsSync(config.database.file)) {
    return {
      checks: [
        {
          name: "database",
          status: "warn",
          detail: `no database yet at ${config.database.file}: created on first start`,
        },
      ],
    };
  }
  let db: Db;
  try {
    db = await openDatabase(config.database);
    await sql`select 1`.execute(db.kysely);
  } catch (error) {
    return { checks: [{ name: "database", status: "fail", detail: `not reachable: ${redact(error, config)}` }] };
  }
  try {
    const pending = await pendingMigrations(db);
    const kind = config.database.kind === "sqlite" ? "SQLite" : "PostgreSQL";
    const check: Check = pending.length
      ? {
          name: "database",
          status: "warn",
          detail: `${kind} reachable; ${pending.length} migrations pending (${pending.join(", ")}): applied on next start`,
        }
      : { name: "database", status: "ok", detail: `${kind} reachable, schema current (${latestMigration()})` };
    return { checks: [check], db };
  } catch (error) {
    await db.close();
    return { checks: [{ name: "database", status: "fail", detail: redact(error, config) }] };
  }
}

/**
 * The clock: a Pi without a real-time clock can start with a time long past until NTP answers.
 * Records newer than now mean the clock went back; PostgreSQL's clock should agree with ours.
 */
async function clock(db: Db | undefined): Promise<Check> {
  const now = Date.now();
  if (!db) return { name: "clock", status: "ok", detail: `${new Date(now).toISOString()} (no database to compare)` };
  const newest = await db.kysely
    .selectFrom("audit_log")
    .select((eb) => eb.fn.max("at").as("at"))
    .executeTakeFirst()
    .catch(() => undefined);
  const newestAt = newest?.at ? Date.parse(String(newest.at)) : undefined;
  if (newestAt !== undefined && newestAt > now + 60_000) {
    return {
      name: "clock",
      status: "fail",
      detail: `${new Date(now).toISOString()} is before the newest record (${new Date(newestAt).toISOString()}): the clock went back; check NTP`,
    };
  }
  if (db.dialect === "postgres") {
    const row = await sql<{ now: string }>`select now() as now`.execute(db.kysely);
    const skew = Math.abs(Date.parse(row.rows[0].now) - Date.now());
    const detail = `${new Date(now).toISOString()}, ${Math.round(skew)} ms from PostgreSQL's clock`;
    if (skew > 60_000) return { name: "clock", status: "fail", detail };
    if (skew > 5_000) return { name: "clock", status: "warn", detail };
    return { name: "clock", status: "ok", detail };
  }
  return { name: "clock", status: "ok", detail: `${new Date(now).toISOString()}, not behind the newest record` };
}

/** Connects with a client id of its own, so the server's session on the broker is left alone. */
function broker(config: Config): Promise<Check> {
  if (!config.mqttUrl) return Promise.resolve({ name: "mqtt broker", status: "ok", detail: "not configured" });
  const shown = safeUrl(config.mqttUrl);
  return new Promise((resolve) => {
    const client = mqtt.connect(config.mqttUrl!, {
      clientId: `hom-doctor-${randomBytes(4).toString("hex")}`,
      clean: true,
      connectTimeout: 5000,
      reconnectPeriod: 0,
    });
    const done = (check: Check) => {
      clearTimeout(timer);
      client.end(true);
      resolve(check);
    };
    const timer = setTimeout(
      () => done({ name: "mqtt broker", status: "fail", detail: `${shown}: no answer in 5 s` }),
      5500,
    );
    client.once("connect", () => done({ name: "mqtt broker", status: "ok", detail: `${shown} reachable` }));
    client.once("error", (error) =>
      done({ name: "mqtt broker", status: "fail", detail: `${shown}: ${error.message}` }),
    );
  });
}

async function backups(config: Config, db: Db | undefined): Promise<Check> {
  const parts: string[] = [];
  let status: Status = "ok";
  if (config.database.kind === "postgres") {
    try {
      const { stdout } = await promisify(execFile)("pg_dump", ["--version"]);
      parts.push(stdout.trim());
    } catch {
      return {
        name: "backups",
        status: "warn",
        detail: "pg_dump not found: install the PostgreSQL client tools to back up",
      };
    }
  }
  let newest: string | undefined;
  try {
    newest = readdirSync(config.backup.dir)
      .filter((n) => ARCHIVE_PATTERN.test(n))
      .sort()
      .at(-1);
    if (newest) {
      const age = Date.now() - statSync(path.join(config.backup.dir, newest)).mtimeMs;
      parts.push(`newest archive ${newest} (${Math.round(age / 3_600_000)} h old)`);
      if (config.backup.cron && age > 48 * 3_600_000) status = "warn";
    }
  } catch {
    // no directory yet
  }
  if (!newest) {
    parts.push("no archive yet");
    if (config.backup.cron && db) status = "warn";
  }
  if (db) {
    const failed = await db.kysely
      .selectFrom("backups")
      .select(["started_at", "error"])
      .orderBy("started_at", "desc")
      .limit(1)
      .executeTakeFirst()
      .catch(() => undefined);
    if (failed?.error) {
      parts.push(`last backup failed: ${failed.error}`);
      status = "warn";
    }
  }
  if (!config.backup.cron) parts.push("no nightly schedule (HOM_BACKUP_CRON=off)");
  return { name: "backups", status, detail: parts.join("; ") };
}

function redact(error: unknown, config: Config): string {
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of [config.jwtSecret, config.adminPassword])
    if (secret) message = message.split(secret).join("***");
  if (config.database.kind === "postgres") {
    const password = new URL(config.database.url).password;
    if (password) message = message.split(decodeURIComponent(password)).join("***");
  }
  return message;
}

export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [configuration(config), storage("data dir", config.dataDir, true)];
  if (path.resolve(config.backup.dir) !== path.join(config.dataDir, "backups") || existsSync(config.backup.dir)) {
    checks.push(storage("backup dir", config.backup.dir, false));
  }
  const { checks: dbChecks, db } = await database(config);
  checks.push(...dbChecks);
  try {
    checks.push(await clock(db));
    checks.push(await broker(config));
    checks.push(await backups(config, db));
  } finally {
    await db?.close();
  }
  return checks;
}

export function formatReport(checks: Check[]): string {
  const mark = { ok: " ok ", warn: "WARN", fail: "FAIL" } as const;
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `[${mark[c.status]}] ${c.name.padEnd(width)}  ${c.detail}`);
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  lines.push(
    "",
    failed
      ? `${failed} problem(s) need attention.`
      : warned
        ? `Healthy, with ${warned} warning(s).`
        : "All checks passed.",
  );
  return lines.join("\n");
}
