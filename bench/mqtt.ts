// MQTT machine feed end to end (DESIGN.md budget: ≥ 20,000 messages/s through Mosquitto into SQLite, every
// acknowledged message stored). HOM runs as its own process on a fresh data directory with the feed on a topic
// prefix of its own; this process publishes machine cycle counters (one topic per machine, with ts and seq) with
// QoS 1 through the broker. Alone: `node bench/mqtt.ts [--messages N] [--machines N] [--publishers N] [--window N]
// [--postgres]`; it rewrites the bench:mqtt section of docs/benchmarks.md. HOM_BENCH_MQTT_URL picks another broker.
//
// Flow control: the publishers stay at most --window messages (default 1,000) ahead of what HOM has stored, read
// from HOM's SQLite file (on PostgreSQL from /metrics). Further ahead, Mosquitto 2.0.11 with its default
// max_queued_messages (1,000) dropped messages for HOM's session (docs/integrations.md, "Broker settings"). The rate
// is messages stored per second from the first publish to the last message stored; afterwards every message the
// broker acknowledged must be stored and the tools' shots must add up exactly.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3-multiple-ciphers";
import mqtt, { type MqttClient } from "mqtt";
import {
  dropPgSchema,
  login,
  machineDescription,
  markdownTable,
  metricSum,
  postJson,
  rssMb,
  PG_URL,
  startServer,
  stopServer,
  writeDocSection,
  type Row,
  type Server,
} from "./lib.ts";

export const MQTT_DEFAULTS = { messages: 200_000, machines: 50, publishers: 2, window: 1000 };

export const MQTT_ARGS = {
  messages: { type: "string", default: String(MQTT_DEFAULTS.messages) },
  machines: { type: "string", default: String(MQTT_DEFAULTS.machines) },
  publishers: { type: "string", default: String(MQTT_DEFAULTS.publishers) },
  window: { type: "string", default: String(MQTT_DEFAULTS.window) },
} as const;

export interface MqttBenchOptions {
  messages: number;
  machines: number;
  publishers: number;
  window: number;
  postgres: boolean;
}

const MQTT_URL = process.env.HOM_BENCH_MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

async function benchBackend(backend: "sqlite" | "postgres", o: MqttBenchOptions, port: number): Promise<Row[]> {
  const run = `${process.pid}-${backend}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hom-bench-mqtt-"));
  const schema = `hom_bench_mqtt_${process.pid}`;
  const clientId = `hom-bench-${run}`;
  const prefix = `hombench/${run}`;
  const env: Record<string, string> = {
    HOM_DATA_DIR: dataDir,
    HOM_MQTT_URL: MQTT_URL,
    HOM_MQTT_CLIENT_ID: clientId,
    HOM_MQTT_SHARE_GROUP: `bench-${run}`,
    HOM_MQTT_TOPIC_PREFIX: prefix,
  };
  if (backend === "postgres") Object.assign(env, { DATABASE_URL: PG_URL, HOM_PG_SCHEMA: schema });
  const publishers: MqttClient[] = [];
  let server: Server | undefined;
  try {
    // Another benchmark's server on this port would answer startServer's readiness probe.
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      )
    ) {
      throw new Error(`port ${port} is already in use`);
    }
    server = await startServer(env, port);
    console.error(`mqtt bench [${backend}]: HOM ready; creating ${o.machines} machines with mounted tools`);
    const auth = await login(server);
    const line = await postJson(server, auth, "/api/v1/lines", { code: "BL", name: "Bench line" });
    const machines: { code: string; toolId: string }[] = [];
    for (let i = 0; i < o.machines; i++) {
      const machine = await postJson(server, auth, "/api/v1/machines", {
        line_id: line.id,
        code: `BM-${i}`,
        name: `Bench press ${i}`,
      });
      const tool = await postJson(server, auth, "/api/v1/tools", {
        asset_number: `BT-${i}`,
        name: "Mould",
        cavity_count: 1,
      });
      await postJson(server, auth, `/api/v1/tools/${tool.id}/mount`, { machine_id: machine.id });
      machines.push({ code: machine.code!, toolId: tool.id });
    }

    // The feed is subscribed once its metrics say connected; then give the SUBACK a moment.
    const metrics = async () => (await fetch(`${server!.base}/metrics`)).text();
    for (let i = 0; metricSum(await metrics(), "hom_mqtt_connected") < 1; i++) {
      if (i > 300) throw new Error("HOM's MQTT feed did not connect");
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));

    for (let i = 0; i < o.publishers; i++) {
      publishers.push(await mqtt.connectAsync(MQTT_URL, { clientId: `pub-${run}-${i}`, protocolVersion: 5 }));
    }
    const topics = machines.map((m) => `${prefix}/machines/${m.code}/cycles`);
    const counters = machines.map(() => 1000);

    // What HOM has stored: on SQLite read from its database file (no load on HOM), else from /metrics.
    const file = backend === "sqlite" ? new Database(path.join(dataDir, "hom.sqlite"), { readonly: true }) : undefined;
    const lastEvent = file?.prepare("select max(rowid) as n from integration_events");
    const storedSoFar = async () =>
      lastEvent
        ? Number((lastEvent.get([]) as { n: number | null }).n ?? 0)
        : metricSum(await metrics(), "hom_integration_messages_total", 'channel="mqtt"');

    let published = 0;
    let acknowledged = 0;
    let failed = 0;
    let processed = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        processed = await storedSoFar();
        await new Promise((r) => setTimeout(r, lastEvent ? 1 : 10));
      }
    })();

    const started = performance.now();
    const cpuBefore = cpuSeconds(server.child.pid!);
    let peakRss = 0;
    const progress = setInterval(() => {
      const s = ((performance.now() - started) / 1000).toFixed(0);
      console.error(`  ${s} s: published ${published}, acknowledged ${acknowledged}, stored ${processed}`);
    }, 2000);
    while (published < o.messages) {
      if (published - processed >= o.window) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      const until = Math.min(o.messages, published + Math.max(1, Math.min(500, Math.floor(o.window / 2))));
      const ts = new Date().toISOString();
      for (; published < until; published++) {
        const m = published % machines.length;
        const seq = counters[m]++;
        publishers[published % publishers.length].publish(
          topics[m],
          `{"counter":${seq},"ts":"${ts}","seq":${seq}}`,
          { qos: 1 },
          (error) => (error ? failed++ : acknowledged++),
        );
      }
      await new Promise((r) => setImmediate(r));
    }
    let last = { processed, at: performance.now() };
    while (processed < o.messages) {
      await new Promise((r) => setTimeout(r, 5));
      if (processed !== last.processed) last = { processed, at: performance.now() };
      else if (performance.now() - last.at > 15_000) {
        throw new Error(
          `stalled at ${processed} of ${o.messages} messages stored: did the broker drop some (its log says "Outgoing messages are being dropped")?`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuMicros = ((cpuSeconds(server.child.pid!) - cpuBefore) / o.messages) * 1e6;
    clearInterval(progress);
    peakRss = rssMb(server.child.pid!);
    polling = false;
    await poller;
    const stored = metricSum(await metrics(), "hom_integration_messages_total", 'status="stored"');
    file?.close();

    // Every message acknowledged by the broker must be stored, and the shots must add up exactly.
    let shots = 0;
    for (const m of machines) {
      const response = await fetch(`${server.base}/api/v1/tools/${m.toolId}`, { headers: auth });
      shots += ((await response.json()) as { lifetime_shots: number }).lifetime_shots;
    }
    const expectedShots = o.messages - machines.length; // each machine's first reading is its baseline
    const exact = acknowledged === o.messages && failed === 0 && stored === o.messages && shots === expectedShots;
    const rate = o.messages / seconds;
    return [
      {
        backend,
        name: `MQTT → ${backend} end to end (${o.messages} QoS 1 messages, ${o.machines} machines, ${o.publishers} publishers)`,
        value: `${Math.round(rate)} messages/s (${seconds.toFixed(1)} s)`,
        budget: backend === "sqlite" ? "≥ 20,000 messages/s" : "reference",
        ok: backend === "sqlite" ? rate >= 20_000 && exact : null,
      },
      {
        backend,
        name: "MQTT: acknowledged messages stored, shots exact",
        value: `${acknowledged} acknowledged, ${stored} stored, ${failed} failed publishes; shots ${shots} of ${expectedShots}`,
        budget: "all stored, shots exact",
        ok: exact,
      },
      {
        backend,
        name: "MQTT: HOM's CPU time per message",
        value: `${cpuMicros.toFixed(0)} µs (one core at most: ${Math.round(1e6 / cpuMicros)} messages/s)`,
        budget: "reference",
        ok: null,
      },
      {
        backend,
        name: "MQTT: server RSS after the run",
        value: `${peakRss.toFixed(0)} MB`,
        budget: "≤ 300 MB",
        ok: peakRss <= 300,
      },
    ];
  } finally {
    await Promise.all(publishers.map((p) => p.endAsync()));
    if (server) await stopServer(server);
    // The feed's persistent session would otherwise stay on the broker.
    const cleaner = await mqtt.connectAsync(MQTT_URL, { clientId, clean: true, protocolVersion: 5 });
    await cleaner.endAsync();
    rmSync(dataDir, { recursive: true, force: true });
    if (backend === "postgres") await dropPgSchema(PG_URL, schema);
  }
}

/** Why the broker cannot be reached, or null. */
async function brokerProblem(): Promise<string | null> {
  try {
    const client = await mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0, connectTimeout: 3000 });
    await client.endAsync();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function benchMqtt(o: MqttBenchOptions, command: string): Promise<{ section: string; rows: Row[] }> {
  const problem = await brokerProblem();
  if (problem) {
    console.error(`\n!! SKIPPED: MQTT benchmark — broker ${MQTT_URL} unreachable (${problem})\n`);
    const row = {
      backend: "sqlite",
      name: "MQTT end to end",
      value: `skipped: ${MQTT_URL} unreachable`,
      budget: "≥ 20,000 messages/s",
      ok: null,
    };
    return {
      section: `Not run: the broker ${MQTT_URL} was unreachable (${problem}).\n\n${markdownTable([row])}\n`,
      rows: [row],
    };
  }
  const rows = await benchBackend("sqlite", o, 18_920);
  if (o.postgres) rows.push(...(await benchBackend("postgres", o, 18_921)));
  const date = new Date().toISOString().slice(0, 10);
  const section = `Latest run: ${date}, on ${machineDescription()}.\nCommand: \`${command}\` (HOM, Mosquitto ${MQTT_URL} and the publishers share the machine; at most ${o.window} messages ahead of what HOM has stored).\n\n${markdownTable(rows)}\n`;
  return { section, rows };
}

export function mqttOptionsFromArgs(values: Record<string, string | boolean | undefined>): MqttBenchOptions {
  return {
    messages: Number(values.messages),
    machines: Number(values.machines),
    publishers: Number(values.publishers),
    window: Number(values.window),
    postgres: Boolean(values.postgres),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { ...MQTT_ARGS, postgres: { type: "boolean", default: false } } });
  const args = process.argv.slice(2).join(" ");
  const { section } = await benchMqtt(mqttOptionsFromArgs(values), `node bench/mqtt.ts${args ? ` ${args}` : ""}`);
  writeDocSection("bench:mqtt", section);
  console.log(section);
}
