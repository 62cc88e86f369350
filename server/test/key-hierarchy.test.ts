import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { systemContext } from "../src/access/context.ts";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { openSqliteKeyed } from "../src/db/sqlite-cipher.ts";
import { startRuntime } from "../src/runtime.ts";
import { parseSecretKey, type SecretKey } from "../src/secret-key.ts";
import { createObjectStore } from "../src/storage/index.ts";
import {
  ADMIN_PASSWORD,
  createLineWithMachines,
  createScratchDatabase,
  createTestApp,
  createTestEnv,
  forEachBackend,
  graphql,
  hom,
  restClient,
  tableCounts,
  type Backend,
  type TestApp,
  type TestEnv,
} from "./helpers.ts";
import { uploadPhotos } from "./photo-helpers.ts";
import { s3StorageEnv } from "./s3-helpers.ts";

/**
 * One key hierarchy (docs/security.md): encrypted backup archives, restore with and without the
 * key, `hom rekey` for database and photos (resumable), rotation inside the running server while
 * writes continue, S3 photos in backups.
 */

const KEY = randomBytes(32).toString("hex");
const NEW_KEY = randomBytes(32).toString("base64");
const OTHER_KEY = "a passphrase nobody used for this plant";
const CANARY = "Arburg Allrounder Canary-Plaintext-9931";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const keyOf = (text: string) => parseSecretKey(text) as SecretKey;

/** The original of every photo, as served: id → sha256 (throws on a refusal). */
async function servedPhotos(app: TestApp["app"], auth: Record<string, string>, ids: string[]) {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const res = await app.inject({ method: "GET", url: `/api/v1/photos/${id}/original`, headers: auth });
    assert.equal(res.statusCode, 200, `photo ${id}: ${res.body}`);
    out[id] = sha(res.rawPayload);
  }
  return out;
}

/** A running app on an existing environment (for after a restore or a rotation). */
async function appOn(env: Record<string, string>) {
  const runtime = await startRuntime(loadConfig(env), { feeds: false });
  await runtime.services.users.bootstrapAdmin(systemContext(), ADMIN_PASSWORD);
  const app = await buildApp(runtime, { logger: false });
  const login = await app.inject({
    method: "POST",
    url: "/api/v1/auth/token",
    payload: { username: "admin", password: ADMIN_PASSWORD },
  });
  assert.equal(login.statusCode, 200, login.body);
  const auth = { authorization: `Bearer ${login.json().access_token}` };
  return { app, runtime, auth, close: () => app.close() };
}

/** An empty restore target: a fresh data dir, on PostgreSQL a fresh database (a dump names its schema). */
async function restoreTarget(backend: Backend, extra: Record<string, string>) {
  const target = await createTestEnv(backend, extra);
  if (backend === "sqlite")
    return { ...target, dropDatabase: async () => {}, isEmpty: async () => sqliteEmpty(target) };
  const database = await createScratchDatabase("hom_keyh");
  const env = { ...target.env, DATABASE_URL: database.url };
  const withClient = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    ...target,
    env,
    config: loadConfig(env),
    async isEmpty() {
      const tables = await withClient((c) =>
        c.query(
          "select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
        ),
      );
      return tables.rows[0].n === 0 && objectFiles(target).length === 0;
    },
    dropDatabase: database.drop,
  };
}

function objectFiles(target: TestEnv): string[] {
  const dir = path.join(target.config.dataDir, "objects");
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [];
}

async function sqliteEmpty(target: TestEnv): Promise<boolean> {
  return !existsSync(path.join(target.config.dataDir, "hom.sqlite")) && objectFiles(target).length === 0;
}

function archiveOf(t: TestApp, file: string): string {
  return path.isAbsolute(file) ? file : path.join(t.testEnv.config.backup.dir, file);
}

forEachBackend("encrypted backups", (backend) => {
  let t: TestApp;
  let photoIds: string[];
  let photoBytes: Buffer[];
  let archive: string;
  before(async () => {
    t = await createTestApp(backend, { HOM_ENCRYPTION_KEY: KEY });
    const api = restClient(t.app, t.adminAuth);
    const line = await api.post("/api/v1/lines", { code: "L1", name: "Line 1" });
    const machine = await api.post("/api/v1/machines", { line_id: line.body.id, code: "M1", name: CANARY });
    assert.equal(machine.status, 201);
    photoIds = await uploadPhotos(t, machine.body.id, 2);
    photoBytes = [];
    for (const id of photoIds) {
      const res = await t.app.inject({ method: "GET", url: `/api/v1/photos/${id}/original`, headers: t.adminAuth });
      photoBytes.push(res.rawPayload);
    }
  });
  after(() => t.close());

  test("with a key, neither a known record nor a known photo's bytes appear in the archive; history says encrypted", async () => {
    const made = await t.runtime.services.backups.run("cli");
    assert.equal(made.status, "ok");
    assert.equal(made.encrypted, true);
    assert.equal(made.key_id, keyOf(KEY).id());
    assert.match(made.file!, /\.tar\.gz\.enc$/);
    archive = archiveOf(t, made.file!);
    const bytes = readFileSync(archive);
    assert.ok(!bytes.includes(CANARY), "the record's plaintext is not in the archive");
    for (const photo of photoBytes) {
      // Any 32-byte window of the image would do; three spread over it.
      for (const at of [0, Math.floor(photo.length / 2), photo.length - 32]) {
        assert.ok(!bytes.includes(photo.subarray(at, at + 32)), "the photo's bytes are not in the archive");
      }
    }
    assert.ok(!bytes.includes(Buffer.from("SQLite format 3")), "no plain SQLite page");
    assert.ok(!bytes.includes(Buffer.from("manifest.json")), "even the tar structure is encrypted");
    assert.ok(!bytes.includes(Buffer.from(KEY)) && !bytes.includes(Buffer.from(KEY, "hex")), "never the key");
    const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32BE(8)).toString("utf8"));
    assert.equal(header.key_id, keyOf(KEY).id());

    const api = restClient(t.app, t.adminAuth);
    const list = await api.get("/api/v1/backups");
    const item = list.body.items.find((b: { id: string }) => b.id === made.id);
    assert.equal(item.encrypted, true);
    assert.equal(item.key_id, keyOf(KEY).id());
    assert.equal(typeof item.duration_ms, "number");
    assert.ok(item.duration_ms >= 0);
    assert.equal(item.size_bytes, bytes.length);
    const gql = await graphql(
      t.app,
      "{ backups(first: 5) { edges { node { id encrypted keyId durationMs sizeBytes status } } } }",
      {},
      t.adminAuth,
    );
    const node = gql.body.data!.backups.edges.find((e: { node: { id: string } }) => e.node.id === made.id).node;
    assert.deepEqual(
      { encrypted: node.encrypted, keyId: node.keyId, status: node.status },
      { encrypted: true, keyId: keyOf(KEY).id(), status: "ok" },
    );
  });

  test("restore without the key or with a wrong one is refused, naming the key id, and writes nothing", async () => {
    const target = await restoreTarget(backend, {});
    try {
      const without = await hom(["restore", archive], target.env);
      assert.equal(without.code, 1, without.stderr);
      assert.match(
        without.stderr,
        new RegExp(`restore refused: the archive is encrypted with the key of id ${keyOf(KEY).id()}`),
      );
      assert.match(without.stderr, /Nothing was changed/);
      assert.ok(await target.isEmpty());

      const wrongFile = path.join(target.config.dataDir, "..", `wrong-${randomBytes(4).toString("hex")}.key`);
      writeFileSync(wrongFile, OTHER_KEY);
      const wrong = await hom(["restore", "--key-file", wrongFile, archive], target.env);
      rmSync(wrongFile);
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, /not with the given key \(id [0-9a-f]{16}\)/);
      assert.ok(!wrong.stderr.includes(OTHER_KEY));
      assert.ok(await target.isEmpty());

      const wrongEnv = await hom(["restore", archive], { ...target.env, HOM_ENCRYPTION_KEY: NEW_KEY });
      assert.equal(wrongEnv.code, 1);
      assert.ok(await target.isEmpty());

      // A damaged encrypted archive is refused too (the frame's tag), before anything is written.
      const damaged = path.join(path.dirname(archive), "damaged.tar.gz.enc");
      const bytes = readFileSync(archive);
      bytes[bytes.length - 100] ^= 1;
      writeFileSync(damaged, bytes);
      const bad = await hom(["restore", damaged], { ...target.env, HOM_ENCRYPTION_KEY: KEY });
      rmSync(damaged);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /damaged or was altered/);
      assert.ok(await target.isEmpty());
    } finally {
      await target.dropDatabase();
      await target.cleanup();
    }
  });

  test("restore with the key gives equal row counts and equal photos", async () => {
    const target = await restoreTarget(backend, { HOM_ENCRYPTION_KEY: KEY });
    try {
      const res = await hom(["restore", archive], target.env);
      assert.equal(res.code, 0, res.stderr);
      const restored = await appOn(target.env);
      try {
        const expected = await tableCounts(t.runtime);
        const got = await tableCounts(restored.runtime);
        // The backup's own record was written after the snapshot; everything else is equal.
        for (const table of Object.keys(expected)) {
          if (["backups", "audit_log", "audit_head", "sessions", "refresh_tokens"].includes(table)) continue;
          assert.equal(got[table], expected[table], table);
        }
        assert.deepEqual(
          await servedPhotos(restored.app, restored.auth, photoIds),
          Object.fromEntries(photoIds.map((id, i) => [id, sha(photoBytes[i])])),
        );
      } finally {
        await restored.close();
      }
    } finally {
      await target.dropDatabase();
      await target.cleanup();
    }
  });

  if (backend === "sqlite") {
    test("an old key opens an old archive; the restored data moves to the installation's current key", async () => {
      const target = await restoreTarget(backend, { HOM_ENCRYPTION_KEY: NEW_KEY });
      const keyFile = path.join(tmpdir(), `old-${randomBytes(4).toString("hex")}.key`);
      writeFileSync(keyFile, `${KEY}\n`);
      try {
        const res = await hom(["restore", "--key-file", keyFile, archive], target.env);
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /now uses HOM_ENCRYPTION_KEY/);
        const file = path.join(target.config.dataDir, "hom.sqlite");
        assert.throws(() => openSqliteKeyed(file, keyOf(KEY)), /the key is wrong/);
        const restored = await appOn(target.env);
        try {
          assert.deepEqual(
            await servedPhotos(restored.app, restored.auth, photoIds),
            Object.fromEntries(photoIds.map((id, i) => [id, sha(photoBytes[i])])),
          );
        } finally {
          await restored.close();
        }
      } finally {
        rmSync(keyFile, { force: true });
        await target.cleanup();
      }
    });
  }
});

/** Photo `id`'s directory in the local store, swapped for a file: reading or writing it fails. */
function breakPhoto(dataDir: string, id: string): () => void {
  const dir = path.join(dataDir, "objects", "photos", id);
  renameSync(dir, `${dir}.aside`);
  writeFileSync(dir, "not a directory");
  return () => {
    rmSync(dir);
    renameSync(`${dir}.aside`, dir);
  };
}

async function rotationRows(env: Record<string, string>) {
  const runtime = await startRuntime(loadConfig(env), { feeds: false });
  try {
    return await runtime.db.kysely.selectFrom("key_rotations").selectAll().orderBy("started_at").execute();
  } finally {
    await runtime.close();
  }
}

forEachBackend("hom rekey: database and photos, resumable", (backend) => {
  test("an interrupted rotation keeps its progress; a second run finishes; photos and backups follow the new key", async () => {
    const t = await createTestApp(backend, { HOM_ENCRYPTION_KEY: KEY });
    const env = t.testEnv.env;
    let ids: string[];
    let expected: Record<string, string>;
    try {
      const { machines } = await createLineWithMachines(t, 1);
      ids = (await uploadPhotos(t, machines[0].id, 6)).sort();
      expected = await servedPhotos(t.app, t.adminAuth, ids);
    } finally {
      await t.app.close();
    }
    const oldEnv = { ...env, HOM_ENCRYPTION_KEY: KEY, HOM_NEW_ENCRYPTION_KEY: NEW_KEY };
    const newEnv = { ...env, HOM_ENCRYPTION_KEY: NEW_KEY };
    // The fourth photo (in id order) cannot be read: the rotation stops there.
    const repair = breakPhoto(t.testEnv.config.dataDir, ids[3]);
    const first = await hom(["rekey"], oldEnv);
    repair();
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stderr, /the key rotation stopped: .*run the same command again/);
    const [stopped] = await rotationRows(newEnv);
    assert.equal(stopped.status, "failed");
    assert.equal(stopped.photos_done, 3);
    assert.equal(stopped.last_photo_id, ids[2]);
    assert.equal(Boolean(stopped.database_rekeyed), backend === "sqlite");

    const second = await hom(["rekey"], oldEnv);
    assert.equal(second.code, 0, second.stderr);
    if (backend === "sqlite") assert.match(second.stdout, /already uses the new key/);
    assert.match(second.stdout, /Rewrapped the keys of 6 photos/);
    const rows = await rotationRows(newEnv);
    assert.equal(rows.length, 1, "the same rotation resumed");
    assert.equal(rows[0].status, "done");
    assert.equal(rows[0].photos_done, 6);

    const after = await appOn(newEnv);
    try {
      assert.deepEqual(await servedPhotos(after.app, after.auth, ids), expected);
      const made = await after.runtime.services.backups.run("cli");
      assert.equal(made.key_id, keyOf(NEW_KEY).id(), "backups made afterwards use the new key");
    } finally {
      await after.close();
    }
    if (backend === "sqlite") {
      const old = await hom(["migrate"], { ...env, HOM_ENCRYPTION_KEY: KEY });
      assert.equal(old.code, 1);
    } else {
      const old = await appOn({ ...env, HOM_ENCRYPTION_KEY: KEY });
      try {
        const res = await old.app.inject({
          method: "GET",
          url: `/api/v1/photos/${ids[0]}/original`,
          headers: old.auth,
        });
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().error.details[0].code, "wrong_key");
      } finally {
        await old.close();
      }
    }
    await t.testEnv.cleanup();
  });
});

forEachBackend("key rotation inside the running server", (backend) => {
  let keyDir: string;
  before(() => {
    keyDir = mkdtempSync(path.join(tmpdir(), "hom-keys-"));
  });
  after(() => rmSync(keyDir, { recursive: true, force: true }));

  test("writers keep inserting through HTTP; every acknowledged write is there; only the new key opens; photos decrypt", async () => {
    const keyFile = path.join(keyDir, `hom-${backend}.key`);
    writeFileSync(keyFile, `${KEY}\n`);
    const t = await createTestApp(backend, { HOM_ENCRYPTION_KEY_FILE: keyFile });
    const api = restClient(t.app, t.adminAuth);
    const { machines } = await createLineWithMachines(t, 3);
    const ids = (await uploadPhotos(t, machines[0].id, 5)).sort();
    const expected = await servedPhotos(t.app, t.adminAuth, ids);

    // Refusals first: not an admin; no new key yet; the same key again.
    const viewer = await t.userWithRole("manager");
    assert.equal((await restClient(t.app, viewer.auth).post("/api/v1/encryption/rotations", {})).status, 403);
    const none = await api.post("/api/v1/encryption/rotations", {});
    assert.equal(none.status, 409);
    assert.equal(none.body.error.details[0].code, "bad_new_key");
    assert.ok(!JSON.stringify(none.body).includes(KEY));
    writeFileSync(`${keyFile}.new`, KEY);
    const same = await api.post("/api/v1/encryption/rotations", {});
    assert.equal(same.status, 409);
    assert.equal(same.body.error.details[0].code, "same_key");
    assert.equal((await api.post("/api/v1/encryption/rotations", { key: "x" })).status, 422);
    assert.equal((await api.get("/api/v1/encryption/rotations?limit=-1")).status, 422);
    assert.equal((await api.get("/api/v1/encryption/rotations/no-such-rotation")).status, 404);
    assert.equal((await restClient(t.app, viewer.auth).get("/api/v1/encryption")).status, 403);
    assert.equal((await api.get("/api/v1/encryption/rotations")).body.items.length, 0, "refusals leave no record");
    writeFileSync(`${keyFile}.new`, `${NEW_KEY}\n`);

    // Break one photo so the background rewrap stops half-way, then resume it.
    const repair = breakPhoto(t.testEnv.config.dataDir, ids[2]);
    let stop = false;
    const acknowledged: string[] = [];
    const writer = async (machineId: string, slot: number) => {
      const base = Date.parse("2020-01-01T00:00:00Z") + slot * 3600_000 * 24 * 100;
      for (let i = 0; !stop; i++) {
        const res = await api.post("/api/v1/downtimes", {
          machine_id: machineId,
          start_datetime: new Date(base + i * 120_000).toISOString(),
          end_datetime: new Date(base + i * 120_000 + 60_000).toISOString(),
          category: "planned",
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        acknowledged.push(res.body.id);
      }
    };
    const writers = machines.map((m: { id: string }, i: number) => writer(m.id, i));
    let beforeRotation = 0;
    try {
      await sleep(150);
      beforeRotation = acknowledged.length;
      const started = await api.post("/api/v1/encryption/rotations", {});
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.equal(started.body.database_rekeyed, backend === "sqlite");
      assert.equal(started.body.to_key_id, keyOf(NEW_KEY).id());
      const rotationId = started.body.id;
      await t.runtime.services.encryption.idle();
      let rotation = (await api.get(`/api/v1/encryption/rotations/${rotationId}`)).body;
      assert.equal(rotation.status, "failed");
      assert.equal(rotation.photos_done, 2);
      // Meanwhile every photo reads, whichever key wraps it now.
      assert.deepEqual(
        await servedPhotos(
          t.app,
          t.adminAuth,
          ids.filter((_, i) => i !== 2),
        ),
        {
          ...Object.fromEntries(ids.filter((_, i) => i !== 2).map((id) => [id, expected[id]])),
        },
      );
      repair();
      const resumed = await api.post("/api/v1/encryption/rotations", {});
      assert.equal(resumed.status, 202);
      assert.equal(resumed.body.id, rotationId, "the same rotation resumes");
      await t.runtime.services.encryption.idle();
      rotation = (await api.get(`/api/v1/encryption/rotations/${rotationId}`)).body;
      assert.equal(rotation.status, "done");
      assert.equal(rotation.photos_done, 5);
      const status = (await api.get("/api/v1/encryption")).body;
      assert.deepEqual(status, { encrypted: true, key_id: keyOf(NEW_KEY).id(), rotating: false });
      const gql = await graphql(
        t.app,
        "{ keyRotations(first: 5) { edges { node { id status photosDone toKeyId } } } }",
        {},
        t.adminAuth,
      );
      assert.equal(gql.body.data!.keyRotations.edges[0].node.status, "done");
      await sleep(100);
    } finally {
      // Writers stop even when an assertion above failed, or the test would never end.
      stop = true;
      await Promise.allSettled(writers);
    }
    await Promise.all(writers); // a writer's own failure (a refused write) fails the test
    assert.ok(acknowledged.length > beforeRotation, "writes went on during the rotation");
    assert.deepEqual(await servedPhotos(t.app, t.adminAuth, ids), expected);
    const stored = await t.runtime.db.kysely
      .selectFrom("downtimes")
      .select("id")
      .where("id", "in", acknowledged)
      .execute();
    assert.equal(stored.length, acknowledged.length, "every acknowledged write is stored");
    const audit = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .select("action")
      .where("action", "in", ["encryption.rotate_start", "encryption.rotate", "database.rekey"])
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action).sort(),
      backend === "sqlite"
        ? ["database.rekey", "encryption.rotate", "encryption.rotate_start"]
        : ["encryption.rotate", "encryption.rotate_start"],
    );
    await t.app.close();

    // The next start takes the new key: the operator moves `<key file>.new` over the key file.
    if (backend === "sqlite") {
      const file = path.join(t.testEnv.config.dataDir, "hom.sqlite");
      assert.throws(() => openSqliteKeyed(file, keyOf(KEY)), /the key is wrong/);
      openSqliteKeyed(file, keyOf(NEW_KEY)).close();
    }
    renameSync(`${keyFile}.new`, keyFile);
    const next = await appOn(t.testEnv.env);
    try {
      assert.deepEqual(await servedPhotos(next.app, next.auth, ids), expected);
      const count = await next.runtime.db.kysely
        .selectFrom("downtimes")
        .select("id")
        .where("id", "in", acknowledged)
        .execute();
      assert.equal(count.length, acknowledged.length);
    } finally {
      await next.close();
      await t.testEnv.cleanup();
    }
  });
});

describe("S3 photos in backups", () => {
  forEachBackend("S3 store", (backend) => {
    test("a backup carries the bucket's objects with checksums; a restore puts them into the configured bucket", async () => {
      const t = await createTestApp(backend, {
        ...(await s3StorageEnv(`src-${randomBytes(4).toString("hex")}/`)),
        HOM_ENCRYPTION_KEY: KEY,
      });
      let archive: string;
      let ids: string[];
      let expected: Record<string, string>;
      const sourceObjects: Record<string, string> = {};
      try {
        const { machines } = await createLineWithMachines(t, 1);
        ids = await uploadPhotos(t, machines[0].id, 2);
        expected = await servedPhotos(t.app, t.adminAuth, ids);
        for await (const o of createObjectStore(t.testEnv.config.storage).list()) {
          sourceObjects[o.key] = sha((await createObjectStore(t.testEnv.config.storage).get(o.key))!);
        }
        assert.equal(Object.keys(sourceObjects).length, 6, "three objects per photo");
        const made = await t.runtime.services.backups.run("cli");
        archive = archiveOf(t, made.file!);
      } finally {
        await t.app.close();
      }
      // The manifest lists every object with its checksum (read through the restore's check).
      const { verifyArchive } = await import("../src/modules/backups/archive.ts");
      const manifest = await verifyArchive(archive, keyOf(KEY));
      const listed = Object.fromEntries(
        manifest.files
          .filter((f) => f.path.startsWith("files/objects/"))
          .map((f) => [f.path.slice("files/objects/".length), f.sha256]),
      );
      assert.deepEqual(listed, sourceObjects);

      const target = await restoreTarget(backend, {
        ...(await s3StorageEnv(`dst-${randomBytes(4).toString("hex")}/`)),
        HOM_ENCRYPTION_KEY: KEY,
      });
      try {
        const res = await hom(["restore", archive], target.env);
        assert.equal(res.code, 0, res.stderr);
        const restoredObjects: Record<string, string> = {};
        const store = createObjectStore(target.config.storage);
        for await (const o of store.list()) restoredObjects[o.key] = sha((await store.get(o.key))!);
        assert.deepEqual(restoredObjects, sourceObjects);
        const again = await hom(["restore", archive], target.env);
        assert.equal(again.code, 1, "a bucket with objects is not empty");
        assert.match(again.stderr, /not empty/);
        const restored = await appOn(target.env);
        try {
          assert.deepEqual(await servedPhotos(restored.app, restored.auth, ids), expected);
        } finally {
          await restored.close();
        }
      } finally {
        await target.dropDatabase();
        await target.cleanup();
        await t.testEnv.cleanup();
      }
    });
  });
});
