import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3-multiple-ciphers";
import pg from "pg";
import { startRuntime, type Runtime } from "../src/runtime.ts";
import {
  ADMIN_PASSWORD,
  createTestEnv,
  forEachBackend,
  NODE24,
  REPO_ROOT,
  TEST_PG_URL,
  type TestEnv,
} from "./helpers.ts";

/**
 * Crash recovery (issue 11): a real `hom serve` process is killed with SIGKILL while tablets
 * write shots and downtimes, then started again on the same database. Every write it had
 * acknowledged must be there exactly once, a tablet's retry of the unacknowledged ones (same
 * idempotency key) must not double them, and the audit chain must verify. Then the paths where
 * the database or the disk cannot take a write: another process holding SQLite's write lock or a
 * PostgreSQL table lock (503 DATABASE_BUSY, with Retry-After) and a full disk under the photo store and under the
 * database (507 INSUFFICIENT_STORAGE), each a clear answer and never a stack.
 * (kill -9 during MQTT ingest: server/test/mqtt.test.ts, "kill -9 during ingest …".)
 */

interface Hom {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

async function startHom(env: Record<string, string>): Promise<Hom> {
  const proc = spawn(NODE24, ["server/src/main.ts", "serve"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env, PORT: "0", HOM_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`HOM did not start:\n${output}`)), 30_000);
    proc.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.once("exit", (code) => reject(new Error(`HOM exited with ${code}:\n${output}`)));
  });
  return { proc, url, output: () => output };
}

async function stopHom(hom: Hom | undefined): Promise<void> {
  if (!hom || hom.proc.exitCode !== null || hom.proc.signalCode !== null) return;
  hom.proc.kill("SIGTERM");
  await once(hom.proc, "exit");
}

/** JSON over fetch; `status: 0` when the connection failed (the process died under it). */
async function call(
  hom: Hom,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of every shape
): Promise<{ status: number; body: any; text: string }> {
  try {
    const res = await fetch(`${hom.url}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text };
  } catch {
    return { status: 0, body: null, text: "" };
  }
}

async function login(hom: Hom): Promise<string> {
  const res = await call(hom, "POST", "/api/v1/auth/token", undefined, { username: "admin", password: ADMIN_PASSWORD });
  assert.equal(res.status, 200, res.text);
  return res.body.access_token;
}

forEachBackend("Crash recovery: kill -9 during writes", (backend) => {
  let env: TestEnv;
  let hom: Hom | undefined;
  before(async () => {
    env = await createTestEnv(backend);
  });
  after(async () => {
    await stopHom(hom);
    await env.cleanup();
  });

  test("every acknowledged shot and downtime survives, once; retries do not double; the audit chain verifies", async (ctx) => {
    hom = await startHom(env.env);
    let token = await login(hom);
    const line = await call(hom, "POST", "/api/v1/lines", token, { code: "CR", name: "Crash line" });
    assert.equal(line.status, 201, line.text);
    const machines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const m = await call(hom, "POST", "/api/v1/machines", token, {
        line_id: line.body.id,
        code: `CR-${i}`,
        name: `Press ${i}`,
      });
      assert.equal(m.status, 201, m.text);
      machines.push(m.body.id);
    }
    const tools: string[] = [];
    for (let i = 0; i < 3; i++) {
      const tool = await call(hom, "POST", "/api/v1/tools", token, {
        asset_number: `CR-T${i}`,
        name: `Mould ${i}`,
        cavity_count: 2,
      });
      assert.equal(tool.status, 201, tool.text);
      tools.push(tool.body.id);
    }

    // Tablets: shots with idempotency keys on three moulds; downtimes, one after another per machine.
    const sentShots = new Map<string, { tool: string; count: number; acked: boolean }>();
    const ackedDowntimes = new Set<string>();
    const sentDowntimes: { machine: string; start: string; end: string; acked: boolean }[] = [];
    let alive = true;
    const shotWriter = async (w: number) => {
      for (let n = 0; alive; n++) {
        const key = `w${w}-${n}`;
        const tool = tools[n % tools.length];
        const count = 1 + (n % 5);
        sentShots.set(key, { tool, count, acked: false });
        const res = await call(hom!, "POST", `/api/v1/tools/${tool}/shots`, token, {
          count,
          source: "plc",
          external_id: key,
        });
        if (res.status === 201 || res.status === 200) sentShots.get(key)!.acked = true;
        else if (res.status !== 0) assert.fail(`shot ${key}: ${res.status} ${res.text}`);
        else return;
      }
    };
    const downtimeWriter = async (m: number) => {
      const base = Date.parse("2026-01-01T00:00:00Z");
      for (let n = 0; alive; n++) {
        const start = new Date(base + n * 3_600_000).toISOString();
        const end = new Date(base + n * 3_600_000 + 600_000).toISOString();
        const entry = { machine: machines[m], start, end, acked: false };
        sentDowntimes.push(entry);
        const res = await call(hom!, "POST", "/api/v1/downtimes", token, {
          machine_id: machines[m],
          start_datetime: start,
          end_datetime: end,
          note: `crash ${m}-${n}`,
        });
        if (res.status === 201) {
          entry.acked = true;
          ackedDowntimes.add(res.body.id);
        } else if (res.status !== 0) assert.fail(`downtime ${m}-${n}: ${res.status} ${res.text}`);
        else return;
      }
    };
    const writers = [
      ...Array.from({ length: 8 }, (_, w) => shotWriter(w)),
      ...machines.map((_, m) => downtimeWriter(m)),
    ];
    // Let them write, then pull the plug mid-stream.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && [...sentShots.values()].filter((s) => s.acked).length < 200) {
      await new Promise((r) => setTimeout(r, 50));
    }
    hom.proc.kill("SIGKILL");
    await once(hom.proc, "exit");
    alive = false;
    await Promise.all(writers);
    const ackedShots = [...sentShots.entries()].filter(([, s]) => s.acked);
    const unacked = [...sentShots.entries()].filter(([, s]) => !s.acked);
    ctx.diagnostic(
      `at the kill: ${ackedShots.length} shots acknowledged, ${unacked.length} in flight; ` +
        `${ackedDowntimes.size} downtimes acknowledged, ${sentDowntimes.filter((d) => !d.acked).length} in flight`,
    );
    assert.ok(ackedShots.length >= 200 && ackedDowntimes.size > 0, "the writers were writing when the process died");

    // Start again on the same database.
    hom = await startHom(env.env);
    token = await login(hom);
    const reader: Runtime = await startRuntime(env.config);
    try {
      const stored = await reader.db.kysely
        .selectFrom("shot_entries")
        .select(["external_id", "tool_id", "delta"])
        .where("external_id", "is not", null)
        .execute();
      const byKey = new Map<string, number>();
      for (const row of stored) byKey.set(row.external_id!, (byKey.get(row.external_id!) ?? 0) + 1);
      for (const [key] of ackedShots) assert.equal(byKey.get(key), 1, `acknowledged shot ${key} stored once`);
      for (const [key, n] of byKey) assert.equal(n, 1, `${key} stored ${n} times`);

      const downtimes = await reader.db.kysely.selectFrom("downtimes").select(["id"]).execute();
      const ids = new Set(downtimes.map((d) => d.id));
      for (const id of ackedDowntimes) assert.ok(ids.has(id), `acknowledged downtime ${id} is there`);

      // Tablets retry what was in flight, with the same keys: stored once, whether or not it had landed.
      for (const [key, s] of unacked) {
        const res = await call(hom, "POST", `/api/v1/tools/${s.tool}/shots`, token, {
          count: s.count,
          source: "plc",
          external_id: key,
        });
        assert.ok(res.status === 201 || res.status === 200, `retry ${key}: ${res.status} ${res.text}`);
      }
      for (const d of sentDowntimes.filter((x) => !x.acked)) {
        const res = await call(hom, "POST", "/api/v1/downtimes", token, {
          machine_id: d.machine,
          start_datetime: d.start,
          end_datetime: d.end,
        });
        // Landed before the kill: the retry overlaps it (409) and is not stored twice.
        assert.ok(res.status === 201 || res.status === 409, `downtime retry: ${res.status} ${res.text}`);
      }
      const entries = await reader.db.kysely
        .selectFrom("shot_entries")
        .select(["external_id"])
        .where("external_id", "is not", null)
        .execute();
      assert.equal(entries.length, sentShots.size, "every shot sent is stored exactly once after the retries");
      for (const [i, tool] of tools.entries()) {
        const expected = [...sentShots.values()].filter((s) => s.tool === tool).reduce((a, s) => a + s.count, 0);
        const row = await reader.db.kysely
          .selectFrom("tools")
          .select("lifetime_shots")
          .where("id", "=", tool)
          .executeTakeFirstOrThrow();
        assert.equal(Number(row.lifetime_shots), expected, `lifetime_shots of mould ${i} is the sum of its entries`);
      }
      const overlapping = await reader.db.kysely
        .selectFrom("downtimes as a")
        .innerJoin("downtimes as b", (j) =>
          j
            .onRef("a.machine_id", "=", "b.machine_id")
            .onRef("a.id", "<", "b.id")
            .onRef("a.start_datetime", "<", "b.end_datetime")
            .onRef("b.start_datetime", "<", "a.end_datetime"),
        )
        .select("a.id")
        .where("a.deleted_at", "is", null)
        .where("b.deleted_at", "is", null)
        .execute();
      assert.deepEqual(overlapping, [], "no downtime stored twice");
    } finally {
      await reader.close();
    }

    // The audit chain: through the API and the CLI.
    const verify = await call(hom, "GET", "/api/v1/audit/verify", token);
    assert.equal(verify.status, 200, verify.text);
    assert.equal(verify.body.ok, true, verify.text);
    assert.ok(verify.body.checked > machines.length, `${verify.body.checked} entries checked`);
    await stopHom(hom);
    const cli = spawnSync(NODE24, ["server/src/main.ts", "audit", "verify"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", ...env.env },
      encoding: "utf8",
    });
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  });
});

/**
 * Another process holding what a new line's insert needs, until `release`: SQLite's one write
 * lock (a backup tool, a second program on the file), or on PostgreSQL a lock on the lines table
 * that lets readers through (a stuck session, a long maintenance statement).
 */
async function holdWriteLock(env: TestEnv): Promise<{ release(): Promise<void> }> {
  if (env.backend === "sqlite") {
    const other = new Database(path.join(env.config.dataDir, "hom.sqlite"));
    other.exec("BEGIN IMMEDIATE");
    return {
      release: async () => {
        other.exec("ROLLBACK");
        other.close();
      },
    };
  }
  const other = new pg.Client({ connectionString: TEST_PG_URL });
  await other.connect();
  await other.query(`set search_path = "${env.env.HOM_PG_SCHEMA}"`);
  await other.query("begin");
  await other.query("lock table lines in share mode");
  return {
    release: async () => {
      await other.query("rollback");
      await other.end();
    },
  };
}

forEachBackend("Crash recovery: the database or the disk cannot take a write", (backend) => {
  test("another process holding the write lock (SQLite's, or PostgreSQL's on the table): 503 DATABASE_BUSY with Retry-After; reads go on", async (ctx) => {
    const env = await createTestEnv(backend);
    let hom: Hom | undefined;
    try {
      hom = await startHom(env.env);
      const token = await login(hom);
      const before = await call(hom, "POST", "/api/v1/lines", token, { code: "LK-0", name: "Before" });
      assert.equal(before.status, 201, before.text);
      const other = await holdWriteLock(env);
      try {
        const read = await call(hom, "GET", "/api/v1/lines", token);
        assert.equal(read.status, 200, "reads are not blocked by a writer (WAL)");
        const started = performance.now();
        const write = await call(hom, "POST", "/api/v1/lines", token, { code: "LK-1", name: "While locked" });
        ctx.diagnostic(`refused after ${Math.round(performance.now() - started)} ms`);
        assert.equal(write.status, 503, write.text);
        assert.equal(write.body.error.code, "DATABASE_BUSY");
        assert.match(write.body.error.message, /busy/);
        assert.doesNotMatch(write.text, /at |\.ts:|SQLITE|lock timeout|55P03/, "no stack or driver internals");
        assert.equal(write.body.error.details.length, 0);
        const gql = await fetch(`${hom.url}/graphql`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ query: `mutation { createLine(input: { code: "LK-2", name: "g" }) { id } }` }),
        }).then((r) => r.json() as Promise<{ errors?: { message: string; extensions?: { code?: string } }[] }>);
        assert.equal(gql.errors?.[0]?.extensions?.code, "SERVICE_UNAVAILABLE", JSON.stringify(gql));
        assert.match(gql.errors[0].message, /busy/);
      } finally {
        await other.release();
      }
      const afterwards = await call(hom, "POST", "/api/v1/lines", token, { code: "LK-1", name: "After" });
      assert.equal(afterwards.status, 201, "writes resume once the lock is gone");
      const lines = await call(hom, "GET", "/api/v1/lines", token);
      assert.deepEqual(lines.body.items.map((l: { code: string }) => l.code).sort(), ["LK-0", "LK-1"]);
      assert.equal((await call(hom, "GET", "/api/v1/audit/verify", token)).body.ok, true);
    } finally {
      await stopHom(hom);
      await env.cleanup();
    }
  });

  test("a full disk under the photo store and under the database: 507 INSUFFICIENT_STORAGE, nothing half-stored", async (ctx) => {
    if (process.getuid?.() !== 0 || spawnSync("mount", ["--version"]).status !== 0) {
      ctx.skip("needs root to mount a small tmpfs");
      return;
    }
    const env = await createTestEnv(backend);
    const objects = path.join(env.config.dataDir, "objects");
    mkdirSync(objects, { recursive: true });
    const mounted: string[] = [];
    const mount = (dir: string, size: string) => {
      const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
      mounted.push(dir);
    };
    let hom: Hom | undefined;
    try {
      mount(objects, "64k");
      hom = await startHom(env.env);
      const token = await login(hom);
      const line = await call(hom, "POST", "/api/v1/lines", token, { code: "DF", name: "Disk full" });
      const machine = await call(hom, "POST", "/api/v1/machines", token, {
        line_id: line.body.id,
        code: "DF-1",
        name: "Press",
      });
      // A noisy 400×400 PNG: well over 64 KB once stored.
      const sharp = (await import("sharp")).default;
      const noise = Buffer.alloc(400 * 400 * 3);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
      const png = await sharp(noise, { raw: { width: 400, height: 400, channels: 3 } })
        .png()
        .toBuffer();
      const boundary = "----hom-disk-full";
      const form = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="entity_type"\r\n\r\nmachine\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="entity_id"\r\n\r\n${machine.body.id}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="n.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        png,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const photosBefore = await call(
        hom,
        "GET",
        `/api/v1/photos?entity_type=machine&entity_id=${machine.body.id}`,
        token,
      );
      const upload = await fetch(`${hom.url}/api/v1/photos`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
        body: form,
      });
      const text = await upload.text();
      assert.equal(upload.status, 507, text);
      const body = JSON.parse(text);
      assert.equal(body.error.code, "INSUFFICIENT_STORAGE");
      assert.match(body.error.message, /storage is full/);
      assert.doesNotMatch(text, /ENOSPC|at |\.ts:/);
      const photosAfter = await call(
        hom,
        "GET",
        `/api/v1/photos?entity_type=machine&entity_id=${machine.body.id}`,
        token,
      );
      assert.equal(photosAfter.body.items.length, photosBefore.body.items.length, "no photo row without its file");
      assert.equal((await call(hom, "GET", "/healthz")).status, 200, "the process lives on");

      if (backend === "sqlite") {
        // The database's own disk: fill it up to the last few kilobytes, then write.
        await stopHom(hom);
        hom = undefined;
        const dbDir = path.join(env.config.dataDir, "small");
        mkdirSync(dbDir);
        mount(dbDir, "4m");
        const dbEnv = { ...env.env, HOM_DATA_DIR: dbDir };
        hom = await startHom(dbEnv);
        const token2 = await login(hom);
        spawnSync("dd", ["if=/dev/zero", `of=${path.join(dbDir, "filler")}`, "bs=4k", "count=100000"]);
        let result: Awaited<ReturnType<typeof call>> | undefined;
        for (let i = 0; i < 400; i++) {
          result = await call(hom, "POST", "/api/v1/lines", token2, {
            code: `F${i}`,
            name: "x".repeat(200),
            description: "y".repeat(1900),
          });
          if (result.status !== 201) break;
        }
        assert.equal(
          result?.status,
          507,
          `${result?.text}\n${hom
            .output()
            .split("\n")
            .filter((l) => l.includes('"level":50'))
            .slice(-2)
            .join("\n")
            .slice(0, 1500)}`,
        );
        assert.equal(result.body.error.code, "INSUFFICIENT_STORAGE");
        assert.doesNotMatch(result.text, /SQLITE|at |\.ts:/);
        assert.equal((await call(hom, "GET", "/api/v1/lines?limit=1", token2)).status, 200, "reads go on");
        assert.equal((await call(hom, "GET", "/api/v1/audit/verify", token2)).body.ok, true);
      }
    } finally {
      await stopHom(hom);
      for (const dir of mounted.reverse()) spawnSync("umount", [dir]);
      await env.cleanup();
    }
  });
});
