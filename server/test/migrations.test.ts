import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { LOCK_WAIT_MS, openDatabase, type Db } from "../src/db/index.ts";
import { migrateToLatest, pendingMigrations } from "../src/db/migrate.ts";
import { BACKENDS, createTestEnv, TEST_PG_URL, type TestEnv } from "./helpers.ts";

/** Tables and their columns, as each database reports them (on PostgreSQL: this run's schema only, db/postgres-introspector.ts). */
async function shape(db: Db): Promise<Record<string, string[]>> {
  const tables = await db.kysely.introspection.getTables();
  return Object.fromEntries(
    tables
      .filter((t) => !t.name.startsWith("kysely_") && (db.schema ? t.schema === db.schema : true))
      .map((t) => [t.name, t.columns.map((c) => c.name).sort()])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
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

  test("PostgreSQL: migrations wait out another instance's lock longer than a request's lock timeout", async (t) => {
    const index = envs.findIndex((e) => e.backend === "postgres");
    if (index < 0) {
      t.skip("PostgreSQL is not in this run");
      return;
    }
    const db = dbs[index];
    await migrateToLatest(db);
    // Another instance migrating holds the migration tables; ours must wait, not give up.
    const other = new pg.Client({ connectionString: TEST_PG_URL });
    await other.connect();
    try {
      await other.query(`set search_path = "${envs[index].env.HOM_PG_SCHEMA}"`);
      await other.query("begin");
      await other.query("lock table kysely_migration in access exclusive mode");
      const started = performance.now();
      const migrating = migrateToLatest(db);
      await new Promise((resolve) => setTimeout(resolve, LOCK_WAIT_MS + 1000));
      await other.query("commit");
      assert.deepEqual(await migrating, []);
      assert.ok(performance.now() - started > LOCK_WAIT_MS, "it waited past the requests' lock timeout");
    } finally {
      await other.end();
    }
    const { rows } = await sql<{ lock_timeout: string }>`show lock_timeout`.execute(db.kysely);
    assert.equal(rows[0].lock_timeout, `${LOCK_WAIT_MS / 1000}s`, "requests keep their lock timeout afterwards");
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
