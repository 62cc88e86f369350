import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { after, before, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { decode, type Target } from "../src/integrations/mqtt/messages.ts";
import { startRuntime, type Runtime } from "../src/runtime.ts";
import {
  NODE24,
  REPO_ROOT,
  createLineWithMachines,
  createTestApp,
  createTestEnv,
  forEachBackend,
  restClient,
  type TestApp,
} from "./helpers.ts";

/**
 * The MQTT machine feed against the real Mosquitto (SPEC §7, docs/integrations.md). The broker
 * is shared by every test run and benchmark on the machine, so each run uses its own topic
 * prefix, share group, client ids and machine codes, and removes its broker sessions after.
 * Locally a missing broker skips these tests loudly; under CI=true it fails them.
 */

const MQTT_URL = process.env.HOM_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";
const CI = process.env.CI === "true";
/** Mosquitto's binary, for the test that needs a broker of its own (Debian: /usr/sbin/mosquitto). */
const MOSQUITTO = process.env.HOM_TEST_MOSQUITTO ?? "/usr/sbin/mosquitto";
const RUN = `${process.pid}-${randomBytes(3).toString("hex")}`;

async function brokerProblem(): Promise<string | null> {
  const client = mqtt.connect(MQTT_URL, { reconnectPeriod: 0, connectTimeout: 3000 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
      client.once("close", () => reject(new Error("connection closed")));
    });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.end(true);
  }
}

const unreachable = await brokerProblem();
if (unreachable && !CI) {
  const line = "!".repeat(78);
  console.log(`\n${line}\n!! SKIPPED: MQTT feed tests — broker ${MQTT_URL} unreachable (${unreachable})\n${line}\n`);
}

/** Removes a client's persistent session from the broker (a clean start with no expiry). */
async function dropSession(clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(MQTT_URL, { clientId, clean: true, protocolVersion: 5, reconnectPeriod: 0 });
  await client.endAsync();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface EventRow {
  topic: string;
  payload: string;
  status: string;
  error: string | null;
}

/** The integration events of some topics, oldest first, once there are `n` of them. */
async function eventsOf(runtime: Runtime, topics: string[], n: number): Promise<EventRow[]> {
  return waitFor(`${n} integration events on ${topics.join(", ")}`, async () => {
    const rows = await runtime.db.kysely
      .selectFrom("integration_events")
      .select(["topic", "payload", "status", "error"])
      .where("topic", "in", topics)
      .orderBy("received_at")
      .orderBy("id")
      .execute();
    return rows.length >= n ? rows : undefined;
  });
}

test("payloads: the quick path accepts what the schemas accept, normalised alike, and nothing else", () => {
  const targets: Target[] = [
    { kind: "machine", code: "M1" },
    { kind: "tool", assetNumber: "T1" },
  ];
  const amounts = [undefined, 0, 1, -1, 1.5, "5", 1e12, 1e12 + 1, null, true];
  const times = [
    undefined,
    "2026-03-01T06:00:00Z",
    "2026-03-01T06:00:00.123+01:00",
    "2026-03-01T06:00:00.1234567891Z",
    "2026-03-01T06:00:00",
    "2026-03-01T06:00:00+0100",
    "2026-02-30T00:00:00Z",
    "2026-03-01T24:00:00Z",
    "1999-12-31T23:59:59Z",
    "2099-12-31T23:59:59-01:00",
    "yesterday",
    5,
  ];
  const seqs = [undefined, 0, 7, -1, 1.5, "7", Number.MAX_SAFE_INTEGER + 1];
  let compared = 0;
  for (const target of targets) {
    for (const fields of target.kind === "machine" ? [["counter"]] : [["count"], ["total"], ["count", "total"], []]) {
      for (const amount of amounts) {
        for (const ts of times) {
          for (const seq of seqs) {
            const payload = Buffer.from(
              JSON.stringify({ ...Object.fromEntries(fields.map((f) => [f, amount])), ts, seq, extra: 1 }),
            );
            assert.deepEqual(
              decode(target, payload, 65536, true),
              decode(target, payload, 65536, false),
              payload.toString(),
            );
            compared++;
          }
        }
      }
    }
  }
  assert.ok(compared > 2000);
});

forEachBackend("mqtt feed", (backend) => {
  if (unreachable) {
    test("MQTT broker", { skip: CI ? false : `broker ${MQTT_URL} unreachable` }, () => {
      assert.fail(`MQTT broker ${MQTT_URL} is unreachable (${unreachable}); CI requires it`);
    });
    return;
  }

  const prefix = `homtest/${RUN}-${backend}`;
  const clientId = `hom-test-${RUN}-${backend}`;
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let publisher: MqttClient;
  let n = 0;
  const code = (what: string) => `${what}-${RUN}-${++n}`;

  before(async () => {
    t = await createTestApp(backend, {
      HOM_MQTT_URL: MQTT_URL,
      HOM_MQTT_CLIENT_ID: clientId,
      HOM_MQTT_SHARE_GROUP: `g-${RUN}`,
      HOM_MQTT_TOPIC_PREFIX: prefix,
    });
    admin = restClient(t.app, t.adminAuth);
    await t.runtime.mqtt!.ready;
    publisher = await mqtt.connectAsync(MQTT_URL, { clientId: `pub-${RUN}-${backend}`, protocolVersion: 5 });
  });
  after(async () => {
    await publisher?.endAsync();
    await t?.close();
    await dropSession(clientId);
  });

  const publish = (topic: string, payload: unknown) =>
    publisher.publishAsync(
      topic,
      Buffer.isBuffer(payload) || typeof payload === "string" ? payload : JSON.stringify(payload),
      { qos: 1 },
    );
  const cyclesTopic = (machineCode: string) => `${prefix}/machines/${machineCode.replaceAll("/", "%2F")}/cycles`;
  const shotsTopic = (assetNumber: string) => `${prefix}/tools/${assetNumber}/shots`;

  const machine = async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const renamed = await admin.patch(`/api/v1/machines/${machines[0].id}`, { code: code("M") });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    return renamed.body as { id: string; code: string };
  };
  const tool = async (mountOn?: string) => {
    const created = await admin.post("/api/v1/tools", { asset_number: code("T"), name: "Cap mould", cavity_count: 4 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (mountOn) {
      const mounted = await admin.post(`/api/v1/tools/${created.body.id}/mount`, { machine_id: mountOn });
      assert.equal(mounted.status, 200, JSON.stringify(mounted.body));
    }
    return created.body as { id: string; asset_number: string };
  };
  const lifetime = async (id: string) => (await admin.get(`/api/v1/tools/${id}`)).body.lifetime_shots as number;
  const entriesOf = (toolId: string) =>
    t.runtime.db.kysely
      .selectFrom("shot_entries")
      .selectAll()
      .where("tool_id", "=", toolId)
      .orderBy("recorded_at")
      .orderBy("id")
      .execute();
  const ts = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

  test("machine cycles become shots of the mounted tool; the first reading sets the baseline", async () => {
    const m = await machine();
    const mould = await tool(m.id);
    const topic = cyclesTopic(m.code);
    await publish(topic, { counter: 1000, ts: ts(), seq: 1 });
    await publish(topic, { counter: 1010, ts: ts(1), seq: 2 });
    await publish(topic, { counter: 1025, ts: ts(2), seq: 3 });
    const events = await eventsOf(t.runtime, [topic], 3);
    assert.deepEqual(
      events.map((e) => [e.status, e.error]),
      [
        ["stored", null],
        ["stored", null],
        ["stored", null],
      ],
    );
    assert.deepEqual(
      events.map((e) => (JSON.parse(e.payload) as { counter: number }).counter).sort(),
      [1000, 1010, 1025],
      "the raw payloads are kept",
    );
    assert.equal(await lifetime(mould.id), 25);
    const entries = await entriesOf(mould.id);
    assert.deepEqual(
      entries.map((e) => [Number(e.delta), Number(e.total), e.source, e.machine_id]),
      [
        [0, 1000, "mqtt", m.id],
        [10, 1010, "mqtt", m.id],
        [15, 1025, "mqtt", m.id],
      ],
    );
  });

  test("tool shots: counts add, totals become deltas; a code with / travels as %2F", async () => {
    const mould = await tool();
    const topic = shotsTopic(mould.asset_number);
    await publish(topic, { count: 7, seq: 1 });
    await eventsOf(t.runtime, [topic], 1);
    await publish(topic, { total: 100, seq: 2 }); // a tool's counter stood at its lifetime shots (7)
    await publish(topic, { total: 130, seq: 3, extra: "ignored" });
    const events = await eventsOf(t.runtime, [topic], 3);
    assert.deepEqual(
      events.map((e) => e.status),
      ["stored", "stored", "stored"],
    );
    assert.equal(await lifetime(mould.id), 130);

    const { machines } = await createLineWithMachines(t, 1);
    const slashed = `L/${code("M")}`;
    assert.equal((await admin.patch(`/api/v1/machines/${machines[0].id}`, { code: slashed })).status, 200);
    const onSlashed = await tool(machines[0].id);
    const slashedTopic = cyclesTopic(slashed);
    await publish(slashedTopic, { counter: 5, ts: ts(), seq: 1 });
    await publish(slashedTopic, { counter: 9, ts: ts(1), seq: 2 });
    await eventsOf(t.runtime, [slashedTopic], 2);
    assert.equal(await lifetime(onSlashed.id), 4);
  });

  test("a redelivered message (same seq and ts) is stored once; a restarted seq with a new ts is new", async () => {
    const m = await machine();
    const mould = await tool(m.id);
    const cycles = cyclesTopic(m.code);
    const shots = shotsTopic(mould.asset_number);
    const at = ts();
    await publish(shots, { count: 5, seq: 7, ts: at });
    await publish(shots, { count: 5, seq: 7, ts: at });
    const shotEvents = await eventsOf(t.runtime, [shots], 2);
    assert.deepEqual(shotEvents.map((e) => e.status).sort(), ["duplicate", "stored"]);
    assert.equal(await lifetime(mould.id), 5);

    await publish(cycles, { counter: 50, seq: 1, ts: ts(1) });
    const replay = { counter: 60, seq: 2, ts: ts(2) };
    await publish(cycles, replay);
    await publish(cycles, replay);
    await publish(cycles, { counter: 65, seq: 1, ts: ts(3) }); // the PLC restarted its seq
    const cycleEvents = await eventsOf(t.runtime, [cycles], 4);
    assert.deepEqual(cycleEvents.map((e) => e.status).sort(), ["duplicate", "stored", "stored", "stored"]);
    assert.equal(await lifetime(mould.id), 5 + 10 + 5);
    const keys = (await entriesOf(mould.id)).map((e) => e.external_id);
    assert.equal(new Set(keys).size, keys.length);
  });

  test("a counter going backwards is a reset, never a negative delta", async () => {
    const m = await machine();
    const mould = await tool(m.id);
    const topic = cyclesTopic(m.code);
    await publish(topic, { counter: 500, ts: ts(), seq: 1 });
    await publish(topic, { counter: 520, ts: ts(1), seq: 2 });
    await publish(topic, { counter: 3, ts: ts(2), seq: 3 });
    await eventsOf(t.runtime, [topic], 3);
    const entries = await entriesOf(mould.id);
    assert.deepEqual(
      entries.map((e) => [Number(e.delta), Boolean(e.counter_reset)]),
      [
        [0, false],
        [20, false],
        [3, true],
      ],
    );
    assert.equal(await lifetime(mould.id), 23);
  });

  test("a machine with no tool mounted: ignored, and its counter still moves", async () => {
    const m = await machine();
    const topic = cyclesTopic(m.code);
    await publish(topic, { counter: 100, ts: ts(), seq: 1 });
    await publish(topic, { counter: 140, ts: ts(1), seq: 2 });
    const events = await eventsOf(t.runtime, [topic], 2);
    assert.deepEqual(
      events.map((e) => e.status),
      ["ignored", "ignored"],
    );
    assert.match(events[1].error ?? "", /^no_tool: /);
    const mould = await tool(m.id);
    await publish(topic, { counter: 150, ts: ts(10), seq: 3 });
    await eventsOf(t.runtime, [topic], 3);
    assert.equal(await lifetime(mould.id), 10, "counts from the last reading, not from zero");
  });

  test("bad messages are kept as rejected with the reason, and the feed keeps working", async () => {
    const m = await machine();
    const mould = await tool(m.id);
    const good = cyclesTopic(m.code);
    const unknownMachine = cyclesTopic(code("NOPE"));
    const unknownTool = shotsTopic(code("NOPE"));
    const toolTopic = shotsTopic(mould.asset_number);
    const huge = JSON.stringify({ counter: 1, pad: "x".repeat(70 * 1024) });
    const bad: [string, unknown, RegExp][] = [
      [unknownMachine, { counter: 1, seq: 1 }, /^unknown_machine: /],
      [unknownTool, { count: 1, seq: 1 }, /^unknown_tool: /],
      [good, "this is not json", /^not_json: /],
      [good, Buffer.from([0x7b, 0x00, 0xff, 0x7d]), /^not_json: /],
      [good, huge, /^too_large: payload of \d+ bytes exceeds the limit of 65536/],
      [good, [1, 2, 3], /^invalid: payload must be a JSON object/],
      [good, { counter: -5 }, /^invalid: counter: must not be negative/],
      [good, { counter: 1.5 }, /^invalid: counter: must be a whole number/],
      [good, { counter: "12" }, /^invalid: counter: /],
      [good, { counter: 1, ts: "yesterday" }, /^invalid: ts: /],
      [good, { counter: 1, seq: -1 }, /^invalid: seq: /],
      [good, { counter: 1, ts: ts(3_600_000) }, /^future: ts: must not be in the future/],
      [toolTopic, { count: 1, total: 5 }, /^invalid: count: give exactly one/],
      [toolTopic, { count: 0 }, /^invalid: count: must be at least 1/],
      [toolTopic, {}, /^invalid: count: give exactly one/],
    ];
    for (const [topic, payload] of bad) await publish(topic, payload);
    await publish(good, { counter: 10, ts: ts(), seq: 1 });
    await publish(good, { counter: 12, ts: ts(1), seq: 2 });

    const topics = [good, unknownMachine, unknownTool, toolTopic];
    const events = await eventsOf(t.runtime, topics, bad.length + 2);
    const rejected = events.filter((e) => e.status === "rejected");
    assert.equal(rejected.length, bad.length, JSON.stringify(events, null, 1));
    // Events of one batch share a millisecond, so match each bad message by topic and reason.
    for (const [topic, , reason] of bad) {
      const i = rejected.findIndex((e) => e.topic === topic && reason.test(e.error ?? ""));
      assert.ok(i >= 0, `a rejected event on ${topic} matching ${reason}: ${JSON.stringify(rejected, null, 1)}`);
      const [event] = rejected.splice(i, 1);
      if (reason.source.startsWith("^too_large")) {
        assert.ok(event.payload.length < 2000, "an oversized payload is kept truncated");
        assert.match(event.payload, /\[truncated: \d+ bytes\]$/);
      }
    }
    const nul = events.find((e) => e.payload.includes("\\u0000"));
    assert.ok(nul, "NUL is kept escaped (PostgreSQL text cannot hold it)");
    assert.deepEqual(
      events.filter((e) => e.status !== "rejected").map((e) => e.status),
      ["stored", "stored"],
    );
    assert.equal(await lifetime(mould.id), 2);

    const metrics = await t.app.inject({ method: "GET", url: "/metrics" });
    assert.match(metrics.body, /hom_shots_ingested_total\{source="mqtt"\} \d+/);
    assert.match(metrics.body, /hom_integration_messages_total\{channel="mqtt",status="rejected"\} \d+/);
    assert.match(metrics.body, /hom_integration_errors_total\{channel="mqtt",reason="unknown_machine"\} \d+/);
    assert.match(metrics.body, /hom_mqtt_connected 1/);
    assert.match(metrics.body, /hom_http_requests_total/, "the app's own metrics are still there");
  });

  test(
    "kill -9 during ingest loses no acknowledged message and stores each once",
    { timeout: 120_000 },
    async (ctx) => {
      const crashClientId = `hom-crash-${RUN}-${backend}`;
      const crashPrefix = `${prefix}-crash`;
      // A broker of its own without Mosquitto's default cap of 1,000 messages queued for a session
      // that is away: on a loaded machine the backlog at the kill could pass it, and the broker
      // (not HOM) would drop acknowledged messages.
      const broker = await startPrivateBroker();
      const env = await createTestEnv(backend, {
        HOM_MQTT_URL: broker.url,
        HOM_MQTT_CLIENT_ID: crashClientId,
        HOM_MQTT_SHARE_GROUP: `gc-${RUN}`,
        HOM_MQTT_TOPIC_PREFIX: crashPrefix,
        HOM_LOG_LEVEL: "info",
        PORT: "0",
      });
      // This process reads the database the child writes; it runs no feed of its own.
      const reader = await startRuntime({ ...env.config, mqttUrl: undefined });
      const pub = await mqtt.connectAsync(broker.url, { clientId: `pub-crash-${RUN}-${backend}`, protocolVersion: 5 });
      let child: ChildProcess | undefined;
      try {
        const now = new Date().toISOString();
        const toolId = `tool-${RUN}`;
        await reader.db.kysely
          .insertInto("tools")
          .values({
            id: toolId,
            asset_number: `CRASH-${RUN}`,
            name: "Crash mould",
            cavity_count: 1,
            status: "active",
            created_at: now,
            updated_at: now,
          })
          .execute();
        const topic = `${crashPrefix}/tools/CRASH-${RUN}/shots`;

        let logs = "";
        let liveOutput = () => "";
        const startHom = async () => {
          const proc = spawn(NODE24, ["server/src/main.ts", "serve"], {
            cwd: REPO_ROOT,
            env: { PATH: process.env.PATH ?? "", ...env.env },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let output = "";
          proc.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
          proc.once("exit", () => (logs += output));
          liveOutput = () => output;
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`HOM did not subscribe:\n${output}`)), 30_000);
            proc.stdout.on("data", (chunk: Buffer) => {
              output += chunk.toString();
              if (/"msg":"mqtt feed subscribed"/.test(output)) {
                clearTimeout(timer);
                resolve();
              }
            });
            proc.once("exit", (code) => reject(new Error(`HOM exited with ${code}:\n${output}`)));
          });
          proc.stdout.resume();
          return proc;
        };

        // Publishes seq from..to-1 (about 2,000 a second, up to 100 in flight) and notes the seqs
        // the broker acknowledged. The pace keeps HOM's backlog small, so that what the broker
        // holds for the session while HOM is down stays under Mosquitto's default cap of 1,000.
        const acked = new Set<number>();
        const sendRange = async (from: number, to: number, paced = true) => {
          const inFlight = new Set<Promise<unknown>>();
          for (let seq = from; seq < to; seq++) {
            const p = pub
              .publishAsync(topic, JSON.stringify({ count: 1, seq, ts: new Date().toISOString() }), { qos: 1 })
              .then(() => acked.add(seq));
            inFlight.add(p);
            void p.finally(() => inFlight.delete(p));
            if (inFlight.size >= 100) await Promise.race(inFlight);
            if (paced && seq % 10 === 9) await new Promise((r) => setTimeout(r, 5));
          }
          await Promise.all(inFlight);
        };

        const storedCount = async () =>
          Number(
            (
              await reader.db.kysely
                .selectFrom("shot_entries")
                .select((eb) => eb.fn.countAll<number>().as("n"))
                .where("tool_id", "=", toolId)
                .executeTakeFirstOrThrow()
            ).n,
          );

        child = await startHom();
        // Mosquitto holds at most 1,000 messages for a session that is away (max_queued_messages,
        // counting those sent and not acknowledged), so HOM's backlog is let shrink first on a
        // loaded machine. Then a burst, and the kill as soon as the broker has taken it: HOM has
        // received those messages and not stored (so not acknowledged) most of them yet.
        await sendRange(0, 1100);
        for (let i = 0; i < 1000 && acked.size - (await storedCount()) > 300; i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        await sendRange(1100, 1200, false);
        child.kill("SIGKILL");
        await once(child, "exit");
        const backlog = Math.max(0, acked.size - (await storedCount()));
        // Unacknowledged at the kill: the backlog, and at most about as many stored in the last
        // batch and not yet acknowledged; then a margin.
        const down = Math.max(0, Math.min(200, 1000 - 2 * backlog - 100));
        ctx.diagnostic(
          `acknowledged by the broker and not stored at the kill: ${backlog}; published while down: ${down}`,
        );
        await sendRange(1200, 1200 + down);
        child = await startHom();
        await sendRange(1200 + down, 2500);

        const expected = acked.size;
        assert.equal(expected, 2500, "the broker acknowledged every publish");
        const rows = await waitFor(
          `${expected} stored shot entries`,
          async () => {
            const r = await reader.db.kysely
              .selectFrom("shot_entries")
              .select(["external_id", "delta"])
              .where("tool_id", "=", toolId)
              .execute();
            return r.length >= expected ? r : undefined;
          },
          60_000,
        ).catch(async (error: Error) => {
          const stored = await reader.db.kysely
            .selectFrom("shot_entries")
            .select(["external_id"])
            .where("tool_id", "=", toolId)
            .execute();
          const got = new Set(stored.map((r) => Number(/#(\d+)@/.exec(r.external_id ?? "")?.[1])));
          const missing = [...acked].filter((seq) => !got.has(seq));
          const tail = (logs + liveOutput()).split("\n").slice(-40).join("\n");
          throw new Error(
            `${error.message}: ${stored.length} stored; missing ${missing.length}: ${missing.slice(0, 20).join(",")}…\n${tail}`,
          );
        });
        await new Promise((r) => setTimeout(r, 500)); // nothing more should arrive
        const final = await reader.db.kysely
          .selectFrom("shot_entries")
          .select(["external_id"])
          .where("tool_id", "=", toolId)
          .execute();
        assert.equal(final.length, rows.length, "no entry after the last one expected");
        const seqs = final.map((r) => Number(/#(\d+)@/.exec(r.external_id ?? "")?.[1]));
        assert.equal(new Set(seqs).size, seqs.length, "each message stored once");
        for (const seq of acked) assert.ok(seqs.includes(seq), `acknowledged message ${seq} was stored`);
        const tool = await reader.db.kysely
          .selectFrom("tools")
          .select("lifetime_shots")
          .where("id", "=", toolId)
          .executeTakeFirstOrThrow();
        assert.equal(Number(tool.lifetime_shots), expected);
        const chain = await reader.services.audit.verify();
        assert.equal(chain.ok, true, `audit chain after the kill: ${JSON.stringify(chain)}`);
        const duplicates = await reader.db.kysely
          .selectFrom("integration_events")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("topic", "=", topic)
          .where("status", "=", "duplicate")
          .executeTakeFirstOrThrow();
        ctx.diagnostic(`redelivered after the kill and stored before: ${Number(duplicates.n)}`);
      } finally {
        if (child && child.exitCode === null) {
          child.kill("SIGTERM");
          await once(child, "exit");
        }
        await pub.endAsync();
        await reader.close();
        await broker.stop();
        await env.cleanup();
      }
    },
  );
});

/**
 * A Mosquitto of this test's own on a free loopback port, with no cap on the messages it queues
 * for a session that is away, and no persistence.
 */
async function startPrivateBroker(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(path.join(tmpdir(), "hom-mosquitto-"));
  const conf = path.join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, "allow_anonymous true", "max_queued_messages 0", "persistence false", ""].join("\n"),
  );
  const proc = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  proc.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }).catch(() => undefined);
    if (client) {
      await client.endAsync();
      break;
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the private Mosquitto (${MOSQUITTO}) did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await once(proc, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
