import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  ADMIN_PASSWORD,
  JWT_SECRET,
  TEST_PG_URL,
  createTestEnv,
  forEachBackend,
  hom,
  type TestEnv,
} from "./helpers.ts";

forEachBackend("hom doctor", (backend) => {
  let env: TestEnv;
  let vars: Record<string, string>;
  before(async () => {
    env = await createTestEnv(backend, { HOM_MQTT_URL: "mqtt://127.0.0.1:1883" });
    vars = { ...env.env };
    if (backend === "postgres") {
      // A password in the URL (trust auth ignores it) must never be printed.
      const url = new URL(TEST_PG_URL);
      url.password = "pg-secret-password";
      vars.DATABASE_URL = url.toString();
    }
  });
  after(() => env.cleanup());

  test("before the first start: the missing database is a warning, not a failure", async () => {
    const res = await hom(["doctor"], vars);
    if (backend === "sqlite") {
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /\[WARN\] database\s+no database yet/);
    } else {
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /\[WARN\] database\s+PostgreSQL reachable; \d+ migrations pending/);
    }
  });

  test("a healthy installation passes every check and prints no secret", async () => {
    assert.equal((await hom(["migrate"], vars)).code, 0);
    const res = await hom(["doctor"], vars);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    for (const name of ["configuration", "data dir", "database", "clock", "mqtt broker", "backups"]) {
      assert.match(res.stdout, new RegExp(`^\\[( ok |WARN)\\] ${name}`, "m"), name);
    }
    assert.match(res.stdout, /\[ ok \] database\s+\S+ reachable, schema current \(\d{4}_[a-z_]+\)/);
    assert.match(res.stdout, /\[ ok \] mqtt broker\s+mqtt:\/\/127\.0\.0\.1:1883 reachable/);
    assert.match(res.stdout, /\[ ok \] data dir\s+\S+ writable, [\d.]+ \w+ free/);
    assert.match(res.stdout, /JWT secret set/);
    if (backend === "postgres") assert.match(res.stdout, /ms from PostgreSQL's clock/);
    const output = res.stdout + res.stderr;
    for (const secret of [JWT_SECRET, ADMIN_PASSWORD, "pg-secret-password"])
      assert.equal(output.includes(secret), false);
  });

  test("an unreachable broker and an unusable data dir fail with exit code 1", async () => {
    const file = path.join(env.config.dataDir, "not-a-dir");
    writeFileSync(file, "x");
    const res = await hom(["doctor"], {
      ...vars,
      HOM_MQTT_URL: "mqtt://user:mqtt-secret@127.0.0.1:1",
      HOM_DATA_DIR: path.join(file, "data"),
    });
    assert.equal(res.code, 1, res.stdout);
    assert.match(res.stdout, /\[FAIL\] data dir\s+.*not writable/);
    assert.match(res.stdout, /\[FAIL\] mqtt broker\s+mqtt:\/\/127\.0\.0\.1:1/);
    assert.match(res.stdout, /problem\(s\) need attention/);
    assert.equal((res.stdout + res.stderr).includes("mqtt-secret"), false);
    for (const secret of [JWT_SECRET, ADMIN_PASSWORD, "pg-secret-password"]) {
      assert.equal((res.stdout + res.stderr).includes(secret), false);
    }
  });

  test("a database that cannot be reached fails", { skip: backend === "sqlite" }, async () => {
    const res = await hom(["doctor"], { ...vars, DATABASE_URL: "postgres://nobody:pg-secret-password@127.0.0.1:1/x" });
    assert.equal(res.code, 1);
    assert.match(res.stdout, /\[FAIL\] database\s+not reachable/);
    assert.equal(res.stdout.includes("pg-secret-password"), false);
  });
});
