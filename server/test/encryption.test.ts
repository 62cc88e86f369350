import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { systemContext } from "../src/access/context.ts";
import { buildApp } from "../src/app.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { startRuntime } from "../src/runtime.ts";
import { ADMIN_PASSWORD, BACKENDS, createTestApp, createTestEnv, forEachBackend, hom, restClient } from "./helpers.ts";
import { uploadPhotos } from "./photo-helpers.ts";

const KEY = "3f".repeat(16) + "a1".repeat(16); // 64 hex digits
const NEW_KEY = "new passphrase for the plant 2026";
const OTHER_KEY = Buffer.alloc(32, 7).toString("base64");
const MACHINE_NAME = "Engel Victory Plaintext-Canary-4711";

/** The database file and its WAL as they lie on the disk. */
function rawBytes(dataDir: string): Buffer {
  const file = path.join(dataDir, "hom.sqlite");
  return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
}

/** The audit actions recorded with `action`, read with the given environment's key. */
async function auditEntries(env: Record<string, string>, action: string): Promise<Record<string, unknown>[]> {
  const runtime = await startRuntime(loadConfig(env), { feeds: false });
  try {
    const rows = await runtime.db.kysely.selectFrom("audit_log").selectAll().where("action", "=", action).execute();
    return rows.map((r) => ({ ...r, changes: JSON.parse(r.changes) as unknown }));
  } finally {
    await runtime.close();
  }
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Starts HOM on `env`, makes a machine named MACHINE_NAME (unless `reading`), returns the machine names seen. */
async function runOnce(env: Record<string, string>, write: boolean): Promise<string[]> {
  const runtime = await startRuntime(loadConfig(env), { feeds: false });
  await runtime.services.users.bootstrapAdmin(systemContext(), ADMIN_PASSWORD);
  const app = await buildApp(runtime, { logger: false });
  try {
    const login = await app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: "admin", password: ADMIN_PASSWORD },
    });
    const api = restClient(app, { authorization: `Bearer ${login.json().access_token}` });
    if (write) {
      const line = await api.post("/api/v1/lines", { code: "L1", name: "Line 1" });
      const machine = await api.post("/api/v1/machines", { line_id: line.body.id, code: "M1", name: MACHINE_NAME });
      assert.equal(machine.status, 201);
    }
    const machines = await api.get("/api/v1/machines");
    return machines.body.items.map((m: { name: string }) => m.name);
  } finally {
    await app.close();
  }
}

if (BACKENDS.includes("sqlite")) {
  describe("SQLite encryption at rest", () => {
    test("with a key, a known record never appears in the database file or its WAL; without one it does", async () => {
      const plain = await createTestApp("sqlite");
      const encrypted = await createTestApp("sqlite", { HOM_ENCRYPTION_KEY: KEY });
      try {
        for (const t of [plain, encrypted]) {
          const api = restClient(t.app, t.adminAuth);
          const line = await api.post("/api/v1/lines", { code: "L1", name: "Line 1" });
          assert.equal(
            (await api.post("/api/v1/machines", { line_id: line.body.id, code: "M1", name: MACHINE_NAME })).status,
            201,
          );
        }
        // While the apps run, recent commits sit in the WAL: both files are checked.
        assert.ok(rawBytes(plain.testEnv.config.dataDir).includes(MACHINE_NAME), "the control must see plaintext");
        assert.ok(!rawBytes(encrypted.testEnv.config.dataDir).includes(MACHINE_NAME));
        assert.ok(!rawBytes(encrypted.testEnv.config.dataDir).includes("SQLite format 3"));
      } finally {
        await plain.close();
        await encrypted.close();
      }
    });

    describe("start, encrypt, rekey through the hom CLI", () => {
      let env: Record<string, string>;
      let dataDir: string;
      let cleanup: () => Promise<void>;
      before(async () => {
        const testEnv = await createTestEnv("sqlite");
        env = testEnv.env;
        dataDir = testEnv.config.dataDir;
        cleanup = () => testEnv.cleanup();
      });
      after(() => cleanup());

      test("a plain database: the key set stops the start and points at hom encrypt", async () => {
        assert.deepEqual(await runOnce(env, true), [MACHINE_NAME]);
        const file = path.join(dataDir, "hom.sqlite");
        const before = sha256(file);
        const res = await hom(["migrate"], { ...env, HOM_ENCRYPTION_KEY: KEY });
        assert.equal(res.code, 1);
        assert.match(res.stderr, /is not encrypted, but an encryption key is set.*hom encrypt/s);
        assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
        assert.equal(sha256(file), before);
      });

      test("hom encrypt encrypts it, replacing a leftover temporary file; the data is intact; a rerun does nothing", async () => {
        const file = path.join(dataDir, "hom.sqlite");
        writeFileSync(`${file}.rekey-tmp`, "half-written copy of an interrupted run");
        const res = await hom(["encrypt"], { ...env, HOM_ENCRYPTION_KEY: KEY });
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /Encrypted/);
        assert.ok(!existsSync(`${file}.rekey-tmp`));
        assert.ok(!readFileSync(file).includes(MACHINE_NAME));
        assert.ok(!existsSync(`${file}-wal`) || !readFileSync(`${file}-wal`).includes(MACHINE_NAME));
        assert.deepEqual(await runOnce({ ...env, HOM_ENCRYPTION_KEY: KEY }, false), [MACHINE_NAME]);
        assert.ok(!rawBytes(dataDir).includes(MACHINE_NAME));
        const audited = await auditEntries({ ...env, HOM_ENCRYPTION_KEY: KEY }, "database.encrypt");
        assert.equal(audited.length, 1);
        assert.ok(!JSON.stringify(audited).includes(KEY));

        const again = await hom(["encrypt"], { ...env, HOM_ENCRYPTION_KEY: KEY });
        assert.equal(again.code, 0);
        assert.match(again.stdout, /already encrypted with this key/);
        const otherKey = await hom(["encrypt"], { ...env, HOM_ENCRYPTION_KEY: OTHER_KEY });
        assert.equal(otherKey.code, 1);
        assert.match(otherKey.stderr, /already encrypted, with another key/);
      });

      test("a wrong or missing key stops the start cleanly and leaves the file as it was", async () => {
        const file = path.join(dataDir, "hom.sqlite");
        const before = sha256(file);
        const wrong = await hom(["migrate"], { ...env, HOM_ENCRYPTION_KEY: OTHER_KEY });
        assert.equal(wrong.code, 1);
        assert.match(wrong.stderr, /Cannot open the database .* with the configured encryption key: the key is wrong/);
        assert.doesNotMatch(wrong.stderr, /\n\s+at /);
        assert.ok(!wrong.stderr.includes(OTHER_KEY));
        const missing = await hom(["user", "list"], env);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /is encrypted .*Set HOM_ENCRYPTION_KEY/s);
        // serve too: it exits instead of listening.
        const serve = await hom(["serve"], { ...env, PORT: "0", HOM_ENCRYPTION_KEY: OTHER_KEY });
        assert.equal(serve.code, 1);
        assert.match(serve.stderr, /the key is wrong/);
        assert.equal(sha256(file), before);
        assert.ok(!existsSync(`${file}.pid`), "the pid file goes with the process");
      });

      test("hom rekey refuses while a server runs, then moves to the new key: new key works, old key fails", async () => {
        const file = path.join(dataDir, "hom.sqlite");
        const old = { ...env, HOM_ENCRYPTION_KEY: KEY };
        // A live process named in the pid file counts as a running server (here: this test runner).
        writeFileSync(`${file}.pid`, String(process.pid));
        const refused = await hom(["rekey"], { ...old, HOM_NEW_ENCRYPTION_KEY: NEW_KEY });
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /is using .*Stop it first/);
        writeFileSync(`${file}.pid`, "999999999"); // a stale file of a crashed server is ignored

        const noNewKey = await hom(["rekey"], old);
        assert.equal(noNewKey.code, 2);
        const badNewKey = await hom(["rekey"], { ...old, HOM_NEW_ENCRYPTION_KEY: "short" });
        assert.equal(badNewKey.code, 2);
        assert.match(badNewKey.stderr, /HOM_NEW_ENCRYPTION_KEY: must be 64 hex digits/);
        assert.ok(!badNewKey.stderr.includes("short\n"));

        const res = await hom(["rekey"], { ...old, HOM_NEW_ENCRYPTION_KEY: NEW_KEY });
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /Re-encrypted/);
        assert.deepEqual(await runOnce({ ...env, HOM_ENCRYPTION_KEY: NEW_KEY }, false), [MACHINE_NAME]);
        assert.equal((await auditEntries({ ...env, HOM_ENCRYPTION_KEY: NEW_KEY }, "database.rekey")).length, 1);
        const withOld = await hom(["migrate"], old);
        assert.equal(withOld.code, 1);
        assert.match(withOld.stderr, /the key is wrong/);
        // Interrupted after the swap and run again: nothing to do.
        const again = await hom(["rekey"], { ...old, HOM_NEW_ENCRYPTION_KEY: NEW_KEY });
        assert.equal(again.code, 0);
        assert.match(again.stdout, /already uses the new key/);
        // The new key from a file works the same way.
        const keyFile = path.join(dataDir, "next.key");
        writeFileSync(keyFile, `${OTHER_KEY}\n`);
        const fromFile = await hom(["rekey", "--new-key-file", keyFile], { ...env, HOM_ENCRYPTION_KEY: NEW_KEY });
        assert.equal(fromFile.code, 0, fromFile.stderr);
        assert.deepEqual(await runOnce({ ...env, HOM_ENCRYPTION_KEY_FILE: keyFile }, false), [MACHINE_NAME]);
      });
    });
  });
}

describe("encryption key configuration", () => {
  const base = { HOM_DATA_DIR: "/tmp/hom-config-check" };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };

  test("hex, base64 and passphrase keys are accepted and derive the same key each time", () => {
    for (const key of [KEY, OTHER_KEY, NEW_KEY]) {
      const a = loadConfig({ ...base, HOM_ENCRYPTION_KEY: key }).encryptionKey!;
      const b = loadConfig({ ...base, HOM_ENCRYPTION_KEY: key }).encryptionKey!;
      assert.ok(a.derive("sqlite-database").equals(b.derive("sqlite-database")));
      assert.ok(!a.derive("sqlite-database").equals(a.derive("photos")), "each purpose has its own key");
    }
    const config = loadConfig({ ...base, HOM_ENCRYPTION_KEY: KEY });
    assert.ok(config.database.kind === "sqlite" && config.database.key);
    // The key never prints.
    assert.doesNotMatch(JSON.stringify(config), /3f3f|a1a1/);
    assert.equal(String(config.encryptionKey), "[SecretKey]");
  });

  test("both variables, a short key, a missing or bad file are refused without echoing the key", () => {
    const keyFile = path.join(import.meta.dirname, "..", "..", "package.json");
    assert.match(problems({ HOM_ENCRYPTION_KEY: KEY, HOM_ENCRYPTION_KEY_FILE: keyFile }).join(), /not both/);
    const short = problems({ HOM_ENCRYPTION_KEY: "tooshort-secret" });
    assert.match(short.join(), /HOM_ENCRYPTION_KEY: must be 64 hex digits/);
    assert.doesNotMatch(short.join(), /tooshort-secret/);
    assert.match(problems({ HOM_ENCRYPTION_KEY_FILE: "/nonexistent/key" }).join(), /file not found/);
    assert.deepEqual(problems({ HOM_ENCRYPTION_KEY_FILE: keyFile }), [], "a long file is a passphrase");
  });
});

forEachBackend("encryption key on any backend", (backend) => {
  test("serve refuses a key that did not seal the stored photos, or none; the right key passes", async (ctx) => {
    if (backend === "sqlite") {
      ctx.skip("SQLite: the database itself refuses a wrong or missing key (above)");
      return;
    }
    const t = await createTestApp(backend, { HOM_ENCRYPTION_KEY: KEY });
    try {
      const api = restClient(t.app, t.adminAuth);
      assert.equal(await t.runtime.services.encryption.keyProblemAtStart(), null, "no photos yet: nothing to check");
      const line = await api.post("/api/v1/lines", { code: "PK", name: "Photo keys" });
      const machine = await api.post("/api/v1/machines", { line_id: line.body.id, code: "PK1", name: "Press" });
      await uploadPhotos(t, machine.body.id, 1);

      const wrong = await hom(["serve"], { ...t.testEnv.env, PORT: "0", HOM_ENCRYPTION_KEY: OTHER_KEY });
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        /HOM_ENCRYPTION_KEY \(id [0-9a-f]{16}\) is not the key the stored photos are encrypted with/,
      );
      const { HOM_ENCRYPTION_KEY: _key, ...withoutKey } = t.testEnv.env;
      const none = await hom(["serve"], { ...withoutKey, PORT: "0" });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /the stored photos are encrypted, but HOM_ENCRYPTION_KEY is not set/);
      assert.equal(await t.runtime.services.encryption.keyProblemAtStart(), null, "the key that sealed them");
      const photo = await api.get(`/api/v1/photos?entity_type=machine&entity_id=${machine.body.id}`);
      assert.equal(photo.status, 200);
    } finally {
      await t.close();
    }
  });

  test("the key setting starts the app normally; hom encrypt explains what applies on PostgreSQL", async () => {
    const t = await createTestApp(backend, { HOM_ENCRYPTION_KEY: KEY });
    try {
      const api = restClient(t.app, t.adminAuth);
      assert.equal((await api.post("/api/v1/lines", { code: "LK", name: "Keyed" })).status, 201);
      const res = await hom(["encrypt"], t.testEnv.env);
      if (backend === "postgres") {
        assert.equal(res.code, 2);
        assert.match(res.stderr, /SQLite database only; on PostgreSQL encrypt the database's storage/);
      } else {
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /already encrypted with this key/);
      }
    } finally {
      await t.close();
    }
  });
});
