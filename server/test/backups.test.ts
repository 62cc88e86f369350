import type { Config } from "../src/config.ts";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { startRuntime } from "../src/runtime.ts";
import {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function photoChecksums(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), rel);
      else
        out[rel] = createHash("sha256")
          .update(readFileSync(path.join(d, e.name)))
          .digest("hex");
    }
  };
  walk(dir, "");
  return out;
}

/** An empty target for a restore: a fresh data dir, and on PostgreSQL a fresh database (a dump names its schema). */
async function restoreTarget(backend: Backend): Promise<TestEnv & { dropDatabase(): Promise<void> }> {
  const target = await createTestEnv(backend);
  if (backend === "sqlite") return { ...target, dropDatabase: async () => {} };
  const database = await createScratchDatabase("hom_restore");
  const env = { ...target.env, DATABASE_URL: database.url };
  return { ...target, env, config: loadConfig(env), dropDatabase: database.drop };
}

async function waitForBackup(t: TestApp, id: string) {
  const api = restClient(t.app, t.adminAuth);
  for (let i = 0; i < 600; i++) {
    const res = await api.get(`/api/v1/backups/${id}`);
    assert.equal(res.status, 200);
    if (res.body.status !== "running") return res.body;
    await sleep(100);
  }
  throw new Error("backup did not finish in 60 s");
}

forEachBackend("backups and restore", (backend) => {
  let t: TestApp;
  let photos: string;
  before(async () => {
    t = await createTestApp(backend, { HOM_BACKUP_KEEP: "3" });
    photos = objectDir(t.testEnv.config);
    mkdirSync(path.join(photos, "2026/03"), { recursive: true });
    writeFileSync(path.join(photos, "2026/03/a.jpg"), randomBytes(300_000));
    writeFileSync(path.join(photos, "2026/03/b.webp"), randomBytes(1234));
    writeFileSync(path.join(photos, "c.png"), Buffer.alloc(0));
    const longName = `${"x".repeat(120)}.jpg`; // past tar's 100-byte name field
    writeFileSync(path.join(photos, longName), randomBytes(777));
  });
  after(() => t.close());

  test("a backup taken while a writer inserts downtimes restores to a consistent database with every photo", async () => {
    const api = restClient(t.app, t.adminAuth);
    const { machines } = await createLineWithMachines(t, 1);
    let stop = false;
    let written = 0;
    const writer = (async () => {
      const base = Date.parse("2025-01-01T00:00:00Z");
      while (!stop) {
        const start = new Date(base + written * 120_000).toISOString();
        const end = new Date(base + written * 120_000 + 60_000).toISOString();
        const res = await api.post("/api/v1/downtimes", {
          machine_id: machines[0].id,
          start_datetime: start,
          end_datetime: end,
          category: "planned",
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        written++;
      }
    })();
    try {
      while (written < 20) await sleep(10);
      const started = await api.post("/api/v1/backups", {});
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.equal(started.body.status, "running");
      assert.equal(started.body.trigger, "api");
      const finished = await waitForBackup(t, started.body.id);
      assert.equal(finished.status, "ok", finished.error);
      assert.match(finished.file, /^hom-backup-\d{8}T\d{6}Z-[0-9a-f]{6}\.tar\.gz$/);
      assert.ok(finished.size_bytes > 300_000);
      const writtenDuringBackup = written;
      assert.ok(writtenDuringBackup > 20);
      stop = true;
      await writer;

      const archive = path.join(t.testEnv.config.backup.dir, finished.file);
      assert.equal(createHash("sha256").update(readFileSync(archive)).digest("hex"), finished.sha256);
      const target = await restoreTarget(backend);
      try {
        const restored = await hom(["restore", archive], target.env);
        assert.equal(restored.code, 0, restored.stderr);
        assert.match(restored.stdout, /Restored the backup/);
        assert.deepEqual(photoChecksums(objectDir(target.config)), photoChecksums(photos));
        const verify = await hom(["audit", "verify"], target.env);
        assert.equal(verify.code, 0, verify.stdout + verify.stderr); // one instant: chain and head agree
        const runtime = await startRuntime(target.config, { feeds: false });
        try {
          const counts = await tableCounts(runtime);
          const downtimes = counts.downtimes;
          assert.ok(downtimes >= 20 && downtimes <= written, `${downtimes} restored of ${written}`);
          // Each downtime came with its audit entry in one transaction: a snapshot has both or neither.
          const audited = await runtime.db.kysely
            .selectFrom("audit_log")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("action", "=", "downtime.create")
            .executeTakeFirstOrThrow();
          assert.equal(Number(audited.n), downtimes);
          // Totals kept by triggers agree with the rows they sum.
          const totals = await runtime.db.kysely
            .selectFrom("downtime_day_totals")
            .select((eb) => eb.fn.sum<number>("count").as("n"))
            .executeTakeFirstOrThrow();
          assert.equal(Number(totals.n), downtimes);
          // The restored history shows this backup as running: the snapshot was taken during it.
          const own = await runtime.db.kysely
            .selectFrom("backups")
            .selectAll()
            .where("id", "=", started.body.id)
            .executeTakeFirstOrThrow();
          assert.equal(own.status, "running");
        } finally {
          await runtime.close();
        }
      } finally {
        await target.dropDatabase();
        await target.cleanup();
      }
    } finally {
      stop = true;
      await writer.catch(() => {});
    }
  });

  test("a quiet database restores with every table's row count equal; a non-empty target needs --force", async () => {
    const out = path.join(t.testEnv.config.dataDir, "elsewhere");
    const made = await hom(["backup", "--out", out], t.testEnv.env);
    assert.equal(made.code, 0, made.stderr);
    const file = /Backup written: (\S+)/.exec(made.stdout)![1];
    assert.equal(path.dirname(file), out);
    const source = await tableCounts(t.runtime);
    const target = await restoreTarget(backend);
    try {
      // Nothing of the restore goes through the temporary directory (a PostgreSQL dump streams into
      // pg_restore; SQLite's snapshot is written beside its database): one that cannot exist is fine.
      const restored = await hom(["restore", file], { ...target.env, TMPDIR: "/dev/null/no-tmp" });
      assert.equal(restored.code, 0, restored.stderr);
      const runtime = await startRuntime(target.config, { feeds: false });
      try {
        const counts = await tableCounts(runtime);
        // The CLI's own backup row was still running when its snapshot was taken; everything else is equal.
        assert.deepEqual(counts, source);
      } finally {
        await runtime.close();
      }
      assert.deepEqual(photoChecksums(objectDir(target.config)), photoChecksums(photos));
      const login = await hom(["user", "list"], target.env);
      assert.match(login.stdout, /^admin\s+admin/m);

      const again = await hom(["restore", file], target.env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /not empty.*--force/);
      const forced = await hom(["restore", "--force", file], target.env);
      assert.equal(forced.code, 0, forced.stderr);
    } finally {
      await target.dropDatabase();
      await target.cleanup();
    }
  });

  test("a corrupted or foreign archive is refused before anything is written", async () => {
    const api = restClient(t.app, t.adminAuth);
    const list = await api.get("/api/v1/backups?limit=500");
    const ok = list.body.items.find(
      (b: { status: string; file: string }) => b.status === "ok" && !path.isAbsolute(b.file),
    );
    const archive = path.join(t.testEnv.config.backup.dir, ok.file);
    const target = await restoreTarget(backend);
    try {
      const damaged = path.join(target.config.dataDir, "..", `damaged-${path.basename(archive)}`);
      const bytes = readFileSync(archive);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      writeFileSync(damaged, bytes);
      const truncated = `${damaged}.short`;
      writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
      const notGzip = `${damaged}.txt`;
      writeFileSync(notGzip, "hello");
      for (const bad of [damaged, truncated, notGzip, "/nonexistent/hom-backup.tar.gz"]) {
        const res = await hom(["restore", bad], target.env);
        assert.equal(res.code, 1, `${bad}: ${res.stdout} ${res.stderr}`);
        assert.match(res.stderr, /restore refused: .*(damaged|truncated|no such file|checksum)/);
        assert.match(res.stderr, /Nothing was changed/);
        assert.equal(existsSync(path.join(target.config.dataDir, "hom.sqlite")), false);
        assert.equal(existsSync(objectDir(target.config)), false);
      }
      if (backend === "postgres") {
        const client = new pg.Client({ connectionString: target.env.DATABASE_URL });
        await client.connect();
        const { rows } = await client.query(
          "select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog','information_schema')",
        );
        await client.end();
        assert.equal(rows[0].n, 0);
      }
      // A SQLite backup does not go into PostgreSQL and the other way round.
      const other = await restoreTarget(backend === "sqlite" ? "postgres" : "sqlite");
      try {
        const res = await hom(["restore", archive], other.env);
        assert.equal(res.code, 1);
        assert.match(res.stderr, /this is a \w+ backup; the configured database is/);
      } finally {
        await other.dropDatabase();
        await other.cleanup();
      }
      copyFileSync(archive, path.join(target.config.dataDir, "..", "intact.tar.gz")); // still restorable
    } finally {
      await target.dropDatabase();
      await target.cleanup();
    }
  });

  test("history through REST and GraphQL is for admins; bad input is a 422; old archives beyond the keep count go", async () => {
    const api = restClient(t.app, t.adminAuth);
    const manager = await t.userWithRole("manager");
    assert.equal((await restClient(t.app, manager.auth).get("/api/v1/backups")).status, 403);
    assert.equal((await restClient(t.app, manager.auth).post("/api/v1/backups", {})).status, 403);
    assert.equal((await api.post("/api/v1/backups", { out: "/tmp" })).status, 422);
    assert.equal((await api.get("/api/v1/backups?limit=0")).status, 422);
    assert.equal((await api.get("/api/v1/backups?limit=abc")).status, 422);
    assert.equal((await api.get("/api/v1/backups/nope")).status, 404);
    // One backup at a time: a running one (here, another instance's) makes a second start a 409.
    const db = t.runtime.db.kysely;
    const other = {
      id: "running-elsewhere",
      status: "running",
      trigger: "schedule",
      started_at: new Date().toISOString(),
      finished_at: null,
      file: null,
      size_bytes: null,
      sha256: null,
      error: null,
      actor_id: null,
      instance: "other:1",
      encrypted: false,
      key_id: null,
    };
    await db.insertInto("backups").values(other).execute();
    const busy = await api.post("/api/v1/backups", {});
    assert.equal(busy.status, 409);
    assert.match(busy.body.error.message, /running-elsewhere is still running/);
    await assert.rejects(t.runtime.services.backups.run("schedule"), /still running/);
    // A "running" row older than six hours died with its process and no longer blocks.
    const stale = new Date(Date.now() - 7 * 3600_000).toISOString();
    await db.updateTable("backups").set({ started_at: stale }).where("id", "=", other.id).execute();
    for (let i = 0; i < 3; i++) await t.runtime.services.backups.run("schedule");
    const archives = readdirSync(t.testEnv.config.backup.dir).filter((n) => n.endsWith(".tar.gz"));
    assert.equal(archives.length, 3, archives.join(", "));
    const page = await api.get("/api/v1/backups?limit=2");
    assert.equal(page.status, 200);
    assert.equal(page.body.items.length, 2);
    assert.ok(page.body.next_cursor);
    const rest = await api.get(`/api/v1/backups?limit=500&cursor=${page.body.next_cursor}`);
    assert.ok(rest.body.items.length >= 2);
    assert.equal(
      new Set([...page.body.items, ...rest.body.items].map((b: { id: string }) => b.id)).size,
      page.body.items.length + rest.body.items.length,
    );

    const gql = await graphql(
      t.app,
      "{ backups(first: 1) { edges { node { id status trigger file sizeBytes } } } }",
      {},
      t.adminAuth,
    );
    assert.equal(gql.body.errors, undefined);
    assert.equal(gql.body.data!.backups.edges[0].node.status, "ok");
    assert.equal(gql.body.data!.backups.edges[0].node.trigger, "schedule");
    const forbidden = await graphql(t.app, "mutation { startBackup { id } }", {}, manager.auth);
    assert.equal(forbidden.body.errors?.[0].extensions.code, "FORBIDDEN");
    const started = await graphql(t.app, "mutation { startBackup { id status } }", {}, t.adminAuth);
    assert.equal(started.body.data!.startBackup.status, "running");
    await t.runtime.services.backups.idle();
  });
});

/** Where the local object store (the photos) keeps its files. */
function objectDir(config: Config): string {
  assert.equal(config.storage.kind, "local");
  return config.storage.kind === "local" ? config.storage.dir : "";
}
