import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openDatabase, type Db } from "../src/db/index.ts";
import { migrateToLatest, pendingMigrations } from "../src/db/migrate.ts";
import { BACKENDS, createTestEnv, type TestEnv } from "./helpers.ts";

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
