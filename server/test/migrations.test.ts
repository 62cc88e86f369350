import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { openDatabase, type Db } from "../src/db/index.ts";
import { migrateToLatest, pendingMigrations } from "../src/db/migrate.ts";
import { BACKENDS, createTestEnv, type TestEnv } from "./helpers.ts";

/** Tables and their columns, as each database reports them. */
async function shape(db: Db): Promise<Record<string, string[]>> {
  const columns = db.schema ? await postgresColumns(db, db.schema) : await sqliteColumns(db);
  const tables: Record<string, string[]> = {};
  for (const { table, column } of columns) {
    if (table.startsWith("kysely_")) continue;
    (tables[table] ??= []).push(column);
  }
  for (const list of Object.values(tables)) list.sort();
  return Object.fromEntries(Object.entries(tables).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Only this run's schema. Kysely's introspection reads every schema's catalogue first, which fails when a parallel
 * test run drops its own schema at the same moment ("relation … does not exist").
 */
async function postgresColumns(db: Db, schema: string): Promise<{ table: string; column: string }[]> {
  const result = await sql<{ table: string; column: string }>`
    select c.table_name as "table", c.column_name as "column"
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = ${schema} and t.table_type = 'BASE TABLE'`.execute(db.kysely);
  return result.rows;
}

async function sqliteColumns(db: Db): Promise<{ table: string; column: string }[]> {
  const tables = await db.kysely.introspection.getTables();
  return tables.flatMap((t) => t.columns.map((c) => ({ table: t.name, column: c.name })));
}

describe("migrations", () => {
  const envs: TestEnv[] = [];
  const dbs: Db[] = [];
  before(async () => {
    for (const backend of BACKENDS) {
      const env = await createTestEnv(backend);
      envs.push(env);
      dbs.push(await openDatabase(env.config.database));
    }
  });
  after(async () => {
    for (const db of dbs) await db.close();
    for (const env of envs) await env.cleanup();
  });

  test("apply once, leave nothing pending, and a second run applies nothing", async () => {
    for (const db of dbs) {
      const pending = await pendingMigrations(db);
      assert.equal(pending[0], "0001_foundation");
      assert.ok(pending.includes("0002_machine_history"));
      assert.deepEqual(await migrateToLatest(db), pending);
      assert.deepEqual(await pendingMigrations(db), []);
      assert.deepEqual(await migrateToLatest(db), []);
    }
  });

  test("give the same tables and columns on every backend", async (t) => {
    if (dbs.length < 2) {
      t.skip("only one backend in this run");
      return;
    }
    const [first, ...rest] = await Promise.all(dbs.map(shape));
    assert.ok(Object.keys(first).includes("audit_log"));
    for (const other of rest) assert.deepEqual(other, first);
  });
});
