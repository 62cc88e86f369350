import { mkdirSync } from "node:fs";
import path from "node:path";
import { Kysely, SqliteDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import type { Config } from "../config.ts";
import type { SecretKey } from "../secret-key.ts";
import type { Database } from "./schema.ts";
import { describeTarget, pgConnection } from "./postgres-tls.ts";
import { changeKey, openSqliteKeyed } from "./sqlite-cipher.ts";
import { SchemaScopedPostgresDialect } from "./postgres-introspector.ts";
import { WriteCounter } from "./write-counter.ts";

export type DialectName = "sqlite" | "postgres";
export type Tx = Transaction<Database>;
export type Queryable = Kysely<Database> | Tx;

/**
 * SQLite only: the connection's cached prepared statements, for the few hot paths that run one
 * statement thousands of times (shot ingest), where compiling through Kysely costs more than
 * the insert. Call only from inside a `transaction` (it holds the one connection), from repos.
 */
export interface SqliteStatements {
  run(query: string, params: readonly unknown[]): { changes: number };
  all(query: string, params: readonly unknown[]): unknown[];
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Set on SQLite (see SqliteStatements). */
  sqlite?: SqliteStatements;
  /**
   * Changes whenever data may have changed; cheap (no query), for caches of read results; take it
   * before reading. SQLite: by this process or another. PostgreSQL: by this process at once (its
   * completed writes and commits, db/write-counter.ts); other instances' writes are not seen, so
   * the version also moves every `PG_VERSION_PERIOD_MS`: a cached read is at most that old.
   */
  dataVersion: () => string;
  /** PostgreSQL schema the tables live in (tests use one per run), if not the default. */
  schema?: string;
  /**
   * SQLite with a key only: re-encrypts the open database with `key` on the one writer connection,
   * while queued queries wait (docs/security.md "Rotating the key while HOM runs"); `then` runs
   * before any of them, so the caller switches its key in the same instant.
   */
  rekey?(key: SecretKey, then: () => void): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(config: Config["database"]): Promise<Db> {
  return config.kind === "sqlite" ? openSqlite(config.file, config.key) : openPostgres(config);
}

/**
 * How long a write waits for another writer's lock before the request is refused with 503
 * DATABASE_BUSY (http/errors.ts): SQLite's busy timeout, PostgreSQL's lock_timeout. Long enough
 * for any ordinary transaction ahead of it; short enough that a tablet user is told rather than
 * left staring at a spinner while a backup tool or a stuck session holds a lock. Migrations wait
 * without limit (migrate.ts): another instance's may take minutes.
 */
export const LOCK_WAIT_MS = 5000;

function openSqlite(file: string, key: SecretKey | undefined): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  // With a key, the file is encrypted (db/sqlite-cipher.ts); a wrong or missing key stops here.
  const raw = openSqliteKeyed(file, key);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL"); // safe with WAL: a power cut loses at most the last commits, never integrity
  raw.pragma("foreign_keys = ON");
  raw.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  // Table statistics steer the planner to the right index (e.g. the end index for a line's
  // downtimes reaching into a period). A bounded sample keeps this well under a second on a
  // large file, so the start stays fast; it only re-analyses tables that changed a lot.
  raw.pragma("analysis_limit = 1000");
  raw.pragma("optimize = 0x10002");

  // better-sqlite3 cannot bind booleans; SQLite stores them as 0/1 anyway. Most statements have
  // none: those keep their array (no copy per row on the ingest's hot path).
  const bind = (params: ReadonlyArray<unknown>): unknown[] => {
    for (let i = 0; i < params.length; i++) {
      if (typeof params[i] === "boolean") return params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p));
    }
    return params as unknown[]; // better-sqlite3 only reads it
  };
  // Kysely asks for a statement per query; preparing costs more than running a small one.
  const statements = new Map<string, ReturnType<typeof raw.prepare>>();
  const prepared = (query: string) => {
    let statement = statements.get(query);
    if (!statement) {
      if (statements.size >= 500) statements.delete(statements.keys().next().value!);
      statement = raw.prepare(query);
      statements.set(query, statement);
    }
    return statement;
  };
  // Statements this connection ran that may change data (see dataVersion).
  let writes = 0;
  const counted = (statement: ReturnType<typeof raw.prepare>) => {
    if (!statement.readonly) writes++;
    return statement;
  };
  const database = {
    close: () => raw.close(),
    prepare(query: string) {
      // SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, SQLITE_IOERR,
      // SQLITE_BUSY in a commit). Kysely's ROLLBACK would then fail ("no transaction is active")
      // and hide the error that matters: a rollback with nothing to undo does nothing.
      if (query === "rollback" && !raw.inTransaction) {
        return {
          reader: false,
          all: () => [],
          run: () => ({ changes: 0, lastInsertRowid: 0 }),
          iterate: () => [][Symbol.iterator](),
        };
      }
      const statement = prepared(query);
      return {
        reader: statement.reader,
        all: (params: ReadonlyArray<unknown>) => counted(statement).all(bind(params)),
        run: (params: ReadonlyArray<unknown>) => counted(statement).run(bind(params)),
        iterate: (params: ReadonlyArray<unknown>) => counted(statement).iterate(bind(params)),
      };
    },
  };
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const rekey = async (next: SecretKey, then: () => void) => {
    // Kysely's SQLite driver has one connection behind a lock: holding it means no transaction is
    // open and every other query waits until the new key is in place.
    await kysely.connection().execute(async () => {
      raw.pragma("wal_checkpoint(TRUNCATE)");
      // Rekeying is not possible in WAL mode; leaving WAL needs no other connection (a backup's
      // snapshot reader), else SQLITE_BUSY after the busy timeout and nothing changed.
      const mode = raw.pragma("journal_mode = DELETE", { simple: true });
      if (mode !== "delete") throw new Error("the database is busy (a backup is running?); try again");
      try {
        changeKey(raw, next);
      } finally {
        raw.pragma("journal_mode = WAL");
      }
      statements.clear();
      then();
    });
  };
  const sqlite: SqliteStatements = {
    run: (query, params) => counted(prepared(query)).run(bind(params)),
    all: (query, params) => counted(prepared(query)).all(bind(params)),
  };
  const dataVersion = raw.prepare("pragma data_version");
  return {
    kysely,
    dialect: "sqlite",
    sqlite,
    // `data_version` moves only with other connections' commits (another process, a CLI
    // command); this connection's own writes are counted as they run. A reader that takes the
    // version before it reads can never pair a version with older data: while a transaction is
    // open the reader waits for the connection, and every write in it has counted already.
    dataVersion: () => `${(dataVersion.get([]) as { data_version: number }).data_version}:${writes}`,
    rekey: key ? rekey : undefined,
    close: () => kysely.destroy(),
  };
}

/**
 * How long a cached read may lag another instance's write on PostgreSQL (Db.dataVersion). The tool
 * list shows lifetime shots, which move with every shot anyway; a second is within what a screen
 * refreshed by hand can tell (docs/decisions.md).
 */
export const PG_VERSION_PERIOD_MS = 1000;

const PG_TIMESTAMPTZ = 1184;
const PG_TIMESTAMP = 1114;
const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * A timestamptz's text as the ISO string `new Date(v).toISOString()` gives, without the Date for
 * the common form in a UTC session (`2026-03-01 08:15:00.25+00`): a CSV export of a million
 * rows parses two million of them, and the Date round trip was its largest cost. Anything else
 * (another zone offset, five-digit or BC years, infinity) goes through Date as before.
 */
export function isoFromTimestamptz(v: string): string {
  if (v.length >= 22 && v.endsWith("+00") && v.charCodeAt(4) === 45 && v.charCodeAt(10) === 32) {
    const date = v.slice(0, 10);
    const time = v.slice(11, 19);
    if (v.length === 22) return `${date}T${time}.000Z`;
    // Microseconds are cut to milliseconds, as Date does.
    if (v.charCodeAt(19) === 46 && v.length <= 29)
      return `${date}T${time}.${v.slice(20, -3).padEnd(3, "0").slice(0, 3)}Z`;
  }
  return new Date(v).toISOString();
}

async function openPostgres(config: { url: string; schema?: string; poolSize: number }): Promise<Db> {
  // TLS from sslmode & co. in DATABASE_URL, with libpq's meaning (postgres-tls.ts).
  const { connectionString, ssl } = pgConnection(config.url);
  const pool = new pg.Pool({
    connectionString,
    ssl,
    max: config.poolSize,
    options: [config.schema ? `-c search_path=${config.schema}` : "", `-c lock_timeout=${LOCK_WAIT_MS}`]
      .join(" ")
      .trim(),
    types: {
      // Same value shapes as SQLite: ISO strings for time, numbers for counts.
      getTypeParser: ((oid: number, format?: "text" | "binary") => {
        if (oid === PG_TIMESTAMPTZ) return isoFromTimestamptz;
        if (oid === PG_TIMESTAMP) return (v: string) => new Date(v).toISOString();
        if (oid === PG_INT8 || oid === PG_NUMERIC) return (v: string) => Number(v);
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  try {
    // Connect once now, so that a refused TLS handshake or a wrong password stops the start with a
    // clear message naming the server (never the password), not at the first request.
    await pool.query("select 1");
  } catch (error) {
    await pool.end();
    throw new Error(
      `Cannot connect to PostgreSQL at ${describeTarget(config.url)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (config.schema) await pool.query(`create schema if not exists "${config.schema}"`);
  const writes = new WriteCounter();
  const kysely = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect({ pool }, config.schema, () => writes.committed()),
    plugins: [writes],
  });
  return {
    kysely,
    dialect: "postgres",
    schema: config.schema,
    dataVersion: () => `${writes.count}:${Math.floor(Date.now() / PG_VERSION_PERIOD_MS)}`,
    close: () => kysely.destroy(),
  };
}

/** Runs `fn` in one transaction. On PostgreSQL the default READ COMMITTED level is used. */
export function transaction<T>(db: Db, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return db.kysely.transaction().execute(fn);
}

/**
 * Locks one row until the transaction ends, so that writes checking rules across rows (a
 * machine's overlapping downtimes, one tool per machine, counter readings, a sign-off) take
 * turns: a row lock on PostgreSQL, harmless on SQLite whose single writer serialises anyway.
 * It rewrites `updated_at` with itself, never the key: setting a primary key, even to itself,
 * makes SQLite check every row that references it. Returns whether the row exists.
 */
export async function lockRow(
  db: Queryable,
  table: "machines" | "tools" | "maintenance_logs" | "opcua_sources",
  id: string,
): Promise<boolean> {
  const result = await sql`update ${sql.table(table)} set updated_at = updated_at where id = ${id}`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * `lockRow` for several rows of one table. PostgreSQL: one by one in id order, so two
 * transactions locking overlapping sets never wait on each other crosswise. SQLite, whose one
 * writer serialises transactions anyway: one prepared statement for all of them (a machine feed's
 * batch names dozens of machines).
 */
export async function lockRows(
  db: Queryable,
  table: "machines" | "tools",
  ids: readonly string[],
  sqlite?: SqliteStatements,
): Promise<void> {
  if (ids.length === 0) return;
  if (sqlite) {
    sqlite.run(`update ${table} set updated_at = updated_at where id in (select value from json_each(?))`, [
      JSON.stringify(ids),
    ]);
    return;
  }
  for (const id of [...ids].sort()) await lockRow(db, table, id);
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
