import mqtt, { type IPublishPacket, type MqttClient } from "mqtt";
import type { Registry } from "prom-client";
import { systemContext } from "../../access/context.ts";
import { ping, transaction, type Db, type Queryable } from "../../db/index.ts";
import { newId } from "../../ids.ts";
import type { ShotResult, ShotService } from "../../modules/shots/service.ts";
import { integrationEventsRepo, type IntegrationEventStatus } from "../events.ts";
import { connectedGauge, feedMetrics, plainCounter, type FeedMetrics } from "../metrics.ts";
import type { FeedLogger } from "./log.ts";
import { machineCodes, toolAssetNumbers, type NameCache } from "./lookup.ts";
import { decode, externalId, isRefusal, payloadText, Topics, type Reading, type Refusal } from "./messages.ts";

export interface MqttIngestorOptions {
  url: string;
  /** Stable per instance: the broker keeps this client's session (and its unacknowledged messages). */
  clientId: string;
  /** Shared-subscription group: instances in one group split the messages between them. */
  shareGroup: string;
  topicPrefix: string;
  /** How long the broker keeps the session while HOM is away (default 7 days). */
  sessionExpirySeconds?: number;
  /** A batch is stored when it holds this many messages… (default 2000) */
  maxBatch?: number;
  /** …or this long after its first message arrived (default 5 ms). */
  batchWaitMs?: number;
  /** Larger payloads are rejected (default 64 KiB). */
  maxPayloadBytes?: number;
  /** Unacknowledged messages the broker may send before waiting for acknowledgements (MQTT 5 Receive Maximum). */
  receiveMaximum?: number;
  reconnectPeriodMs?: number;
  /** How long a resolved machine code or asset number is trusted (default 10 s; unknown ones 2 s). */
  lookupTtlMs?: number;
}

/** One inbound message, from arrival until it is stored and acknowledged. */
interface Inbound {
  topic: string;
  payload: Buffer;
  receivedAt: string;
  qos: number;
  messageId?: number;
  /** The connection it arrived on: an acknowledgement only makes sense on that one. */
  connection: number;
  /** Set when the database kept refusing this message: it is recorded as rejected, without shots. */
  unstorable?: Refusal & { status: "rejected" };
  /** Set when even its event row could not be stored with the payload: the row keeps this note instead. */
  payloadNote?: string;
}

/** What became of one message: its integration event's status and error, and the shots it counted. */
interface Outcome {
  status: IntegrationEventStatus;
  reason?: string;
  message?: string;
  delta?: number;
}

const CHANNEL = "mqtt";
const SOURCE = "mqtt";

/**
 * The MQTT machine feed (SPEC §7, docs/integrations.md): subscribes with QoS 1 to the cycle and
 * shot topics through a shared subscription, stores messages in batches (one `ingestRaw` and
 * one `integration_events` write per batch) and acknowledges each message only after its
 * batch is committed.
 *
 * Why not `customHandleAcks`: mqtt.js stops reading the next packet until that callback has
 * run and the PUBACK is written, so deferring it to the database commit would store one
 * message per transaction. Instead the client is let through at once and the PUBACKs it
 * would send are held back (`#holdPubacks`); the ingestor writes them itself after the
 * commit. A PUBACK is never sent on a newer connection than the one the message came on: the
 * broker redelivers unacknowledged messages of the persistent session on reconnect, and the
 * idempotency key (topic + seq + ts) stores a redelivered message once.
 */
export class MqttIngestor {
  readonly #options: Required<MqttIngestorOptions>;
  readonly #db: Db;
  readonly #shots: ShotService;
  readonly #log: FeedLogger;
  readonly #metrics: FeedMetrics;
  readonly #connected: ReturnType<typeof connectedGauge>;
  readonly #reconnects: ReturnType<typeof plainCounter>;
  readonly #received: ReturnType<typeof plainCounter>;
  readonly #topics: Topics;
  readonly #machines: NameCache;
  readonly #tools: NameCache;
  readonly #client: MqttClient;
  #sendPacket!: (packet: object) => void;
  #connection = 0;
  #pending: Inbound[] = [];
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #closing = false;
  #wake: (() => void) | undefined;
  #subscribed!: () => void;
  /** Resolves once the feed is subscribed (or its session was resumed). */
  readonly ready: Promise<void>;

  constructor(options: MqttIngestorOptions, deps: { db: Db; shots: ShotService; registry: Registry; log: FeedLogger }) {
    this.#options = {
      sessionExpirySeconds: 7 * 24 * 3600,
      maxBatch: 2000,
      batchWaitMs: 5,
      maxPayloadBytes: 64 * 1024,
      receiveMaximum: 20_000,
      reconnectPeriodMs: 1000,
      lookupTtlMs: 10_000,
      ...options,
    };
    this.#db = deps.db;
    this.#shots = deps.shots;
    this.#log = deps.log;
    this.#metrics = feedMetrics(deps.registry);
    this.#connected = connectedGauge(deps.registry, "hom_mqtt_connected", "1 while the MQTT feed is connected");
    this.#reconnects = plainCounter(deps.registry, "hom_mqtt_reconnects_total", "MQTT feed reconnection attempts");
    this.#received = plainCounter(
      deps.registry,
      "hom_mqtt_messages_received_total",
      "MQTT messages received (stored or not yet); hom_integration_messages_total counts them once stored",
    );
    this.#topics = new Topics(this.#options.topicPrefix);
    this.#machines = machineCodes(this.#options.lookupTtlMs, 2000);
    this.#tools = toolAssetNumbers(this.#options.lookupTtlMs, 2000);
    this.ready = new Promise((resolve) => (this.#subscribed = resolve));

    const o = this.#options;
    this.#client = mqtt.connect(o.url, {
      protocolVersion: 5,
      clientId: o.clientId,
      clean: false,
      properties: { sessionExpiryInterval: o.sessionExpirySeconds, receiveMaximum: o.receiveMaximum },
      reconnectPeriod: o.reconnectPeriodMs,
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      // Subscriptions are made on every connect (see the connect handler).
      resubscribe: false,
    });
    this.#holdPubacks();
    this.#client.on("connect", (connack) => {
      this.#connection++;
      this.#connected.set(1);
      this.#log.info(
        { url: redact(o.url), clientId: o.clientId, sessionPresent: connack.sessionPresent },
        "mqtt feed connected",
      );
      // Subscribing again on a resumed session keeps its queued messages; it also adds the
      // filters if the prefix or group changed since the session was made.
      this.#subscribe();
    });
    this.#client.on("reconnect", () => {
      this.#reconnects.inc();
      this.#log.info({ url: redact(o.url) }, "mqtt feed reconnecting");
    });
    this.#client.on("close", () => this.#connected.set(0));
    this.#client.on("offline", () => this.#log.warn({ url: redact(o.url) }, "mqtt feed offline"));
    this.#client.on("error", (error) => this.#log.error({ err: error }, "mqtt feed error"));
    this.#client.on("message", (topic, payload, packet) => this.#receive(topic, payload, packet));
  }

  /**
   * Lets mqtt.js carry on at once with the next packet while keeping its PUBACKs: they are
   * written by `#acknowledge` after the batch is committed. Relies on mqtt.js sending every
   * PUBACK through `_sendPacket` (true of mqtt 5.x; the crash test in mqtt.test.ts checks
   * the effect).
   */
  #holdPubacks(): void {
    const client = this.#client as unknown as {
      _sendPacket: (packet: { cmd: string }, cb?: (error?: Error) => void, ...rest: unknown[]) => void;
    };
    const original = client._sendPacket.bind(this.#client);
    const ours = new WeakSet<object>();
    client._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === "puback" && !ours.has(packet)) {
        cb?.();
        return;
      }
      original(packet, cb, ...rest);
    };
    this.#sendPacket = (packet) => {
      ours.add(packet);
      original(packet as { cmd: string });
    };
  }

  #subscribe(): void {
    const { shareGroup } = this.#options;
    const filters = [this.#topics.machineFilter, this.#topics.toolFilter].map((f) => `$share/${shareGroup}/${f}`);
    // rh 1: retained messages only for a new subscription, not again on every reconnect.
    this.#client.subscribe(filters, { qos: 1, rh: 1 }, (error, granted) => {
      if (error) {
        this.#log.error({ err: error, filters }, "mqtt feed could not subscribe");
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos > 2);
      if (refused.length > 0) {
        this.#log.error({ refused: refused.map((g) => g.topic) }, "mqtt broker refused the subscription");
        return;
      }
      this.#log.info({ filters }, "mqtt feed subscribed");
      this.#subscribed();
    });
  }

  #clock = { ms: 0, iso: "" };

  /** The time as ISO text; a busy feed receives many messages within one millisecond. */
  #now(): string {
    const ms = Date.now();
    if (ms !== this.#clock.ms) this.#clock = { ms, iso: new Date(ms).toISOString() };
    return this.#clock.iso;
  }

  #receive(topic: string, payload: Buffer, packet: IPublishPacket): void {
    // Once closing, messages are neither stored nor acknowledged: the broker keeps them.
    if (this.#closing) return;
    this.#received.inc();
    this.#pending.push({
      topic,
      payload,
      receivedAt: this.#now(),
      qos: packet.qos,
      messageId: packet.messageId,
      connection: this.#connection,
    });
    if (this.#draining) return; // the running drain picks it up
    if (this.#pending.length >= this.#options.maxBatch) this.#drain();
    else this.#timer ??= setTimeout(() => this.#drain(), this.#options.batchWaitMs);
  }

  #drain(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#draining) return;
    this.#draining = (async () => {
      try {
        while (this.#pending.length > 0) {
          const batch = this.#pending.splice(0, this.#options.maxBatch);
          await this.#store(batch);
          this.#acknowledge(batch);
          // SQLite work is synchronous: let the socket be read and the PUBACKs go out between
          // batches, or the broker sees a silent client and queues (and may drop) for it.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        // Only when closing with the database unreachable: the batch stays unacknowledged and
        // comes back from the broker on the next start.
        this.#log.warn({ err: error }, "mqtt feed stopped with messages not stored; the broker will redeliver them");
      } finally {
        this.#draining = undefined;
      }
    })();
  }

  /**
   * Stores a batch, retrying while the database is unreachable. When the database answers but
   * the batch keeps failing, it is split in halves, so one message the database refuses cannot
   * hold up the feed: that message alone ends up `rejected` with the error.
   */
  async #store(batch: Inbound[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#storeOnce(batch);
        return;
      } catch (error) {
        this.#metrics.errors.inc({ channel: CHANNEL, reason: "store_retry" });
        this.#log.error({ err: error, messages: batch.length, attempt }, "mqtt feed could not store a batch");
        if (this.#closing) throw error;
        const reachable = await ping(this.#db).then(
          () => true,
          () => false,
        );
        if (reachable && attempt >= 3) {
          if (batch.length > 1) {
            const half = Math.ceil(batch.length / 2);
            await this.#store(batch.slice(0, half));
            await this.#store(batch.slice(half));
            return;
          }
          // Recorded without its shots, and with the error instead of the payload if need be.
          const [m] = batch;
          m.unstorable = { status: "rejected", reason: "unstorable", message: errorMessage(error) };
          if (attempt >= 6) m.payloadNote = `[payload not stored: ${errorMessage(error)}]`;
        }
        await this.#pause(Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
      }
    }
  }

  /**
   * Decodes and looks up the batch, then ingests its shot entries and records one
   * integration event per message in one transaction. Outcomes are kept only once committed.
   */
  async #storeOnce(batch: Inbound[]): Promise<void> {
    const outcomes = new Map<Inbound, Outcome>();
    const entries: unknown[] = [];
    const entryOf: Inbound[] = [];
    await this.#prepare(batch, outcomes, entries, entryOf);
    // Always inside a transaction (the ingest's or its own), as the prepared SQLite path requires.
    const record = (trx: Queryable) =>
      integrationEventsRepo.insert(trx, this.#eventRows(batch, outcomes), this.#db.sqlite);
    if (entries.length > 0) {
      await this.#shots.ingestRaw(systemContext(`mqtt-${newId()}`), entries, null, async (trx, results) => {
        results.forEach((result, i) => outcomes.set(entryOf[i], outcomeOf(result)));
        await record(trx);
      });
    } else {
      await transaction(this.#db, record);
    }
    let shots = 0;
    const statuses = new Map<string, number>();
    const reasons = new Map<string, number>();
    for (const m of batch) {
      const { status, reason, delta } = outcomes.get(m)!;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      shots += delta ?? 0;
    }
    for (const [status, n] of statuses) this.#metrics.messages.inc({ channel: CHANNEL, status }, n);
    for (const [reason, n] of reasons) this.#metrics.errors.inc({ channel: CHANNEL, reason }, n);
    if (shots > 0) this.#metrics.shotsIngested.inc({ source: SOURCE }, shots);
  }

  #eventRows(batch: Inbound[], outcomes: Map<Inbound, Outcome>) {
    return batch.map((m) => {
      const { status, reason, message } = outcomes.get(m)!;
      return {
        id: newId(),
        channel: CHANNEL,
        topic: m.topic,
        payload: m.payloadNote ?? payloadText(m.payload, this.#options.maxPayloadBytes),
        status,
        error: reason ? `${reason}: ${message}` : null,
        received_at: m.receivedAt,
      };
    });
  }

  /** Refusals go to `outcomes`; the rest become shot entries for `ingestRaw`. */
  async #prepare(batch: Inbound[], outcomes: Map<Inbound, Outcome>, entries: unknown[], entryOf: Inbound[]) {
    const readings: (Reading | Refusal)[] = batch.map((m) => {
      if (m.unstorable) return m.unstorable;
      const target = this.#topics.parse(m.topic);
      if (!target) return { reason: "unknown_topic", message: `not a topic this feed reads: ${m.topic}` };
      return decode(target, m.payload, this.#options.maxPayloadBytes);
    });
    const machineCodes = new Set<string>();
    const assetNumbers = new Set<string>();
    for (const r of readings) {
      if (isRefusal(r)) continue;
      if (r.target.kind === "machine") machineCodes.add(r.target.code);
      else assetNumbers.add(r.target.assetNumber);
    }
    const none = new Map<string, string>();
    const machines = machineCodes.size ? await this.#machines.resolve(this.#db.kysely, machineCodes) : none;
    const tools = assetNumbers.size ? await this.#tools.resolve(this.#db.kysely, assetNumbers) : none;

    readings.forEach((r, i) => {
      const m = batch[i];
      if (isRefusal(r)) {
        outcomes.set(m, { status: "rejected", reason: r.reason, message: r.message });
        return;
      }
      const owner =
        r.target.kind === "machine"
          ? { machine_id: machines.get(r.target.code.toLowerCase()) }
          : { tool_id: tools.get(r.target.assetNumber.toLowerCase()) };
      if (!owner.machine_id && !owner.tool_id) {
        outcomes.set(
          m,
          r.target.kind === "machine"
            ? { status: "rejected", reason: "unknown_machine", message: `no machine with code "${r.target.code}"` }
            : {
                status: "rejected",
                reason: "unknown_tool",
                message: `no tool with asset number "${r.target.assetNumber}"`,
              },
        );
        return;
      }
      entries.push({
        ...owner,
        count: r.count,
        total: r.total,
        source: SOURCE,
        recorded_at: r.recordedAt,
        external_id: externalId(m.topic, r),
      });
      entryOf.push(m);
    });
  }

  /** Waits before a retry; `close` cuts the wait short. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    }).finally(() => (this.#wake = undefined));
  }

  /** PUBACKs for a stored batch, on the connection each message came on. */
  #acknowledge(batch: Inbound[]): void {
    for (const m of batch) {
      if (m.qos === 0 || m.messageId === undefined) continue;
      if (m.connection !== this.#connection || !this.#client.connected) continue;
      this.#sendPacket({ cmd: "puback", messageId: m.messageId, reasonCode: 0 });
    }
  }

  /**
   * Stops taking messages, stores and acknowledges what has arrived, and disconnects. The
   * session stays with the broker, which keeps what arrives meanwhile for the next start.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#draining) await this.#draining;
    if (this.#pending.length > 0) {
      this.#drain();
      await this.#draining;
    }
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => this.#client.end(true, () => resolve()), 2000);
      this.#client.end(false, () => {
        clearTimeout(force);
        resolve();
      });
    });
    this.#connected.set(0);
  }
}

/** A shot service result as an integration event outcome. */
function outcomeOf(result: ShotResult): Outcome {
  const detail = result.error?.details[0];
  const message = detail ? `${fieldName(detail.field)}: ${detail.message}` : result.error?.message;
  switch (result.status) {
    case "stored":
      // A machine reading with no tool mounted moves the machine's counter and counts for no tool.
      if (!result.entry_id) {
        return {
          status: "ignored",
          reason: "no_tool",
          message: "no tool was mounted on the machine; the counter reading was kept",
        };
      }
      return { status: "stored", delta: result.delta ?? 0 };
    case "duplicate":
      return { status: "duplicate" };
    case "ignored":
      return { status: "ignored", reason: detail?.code ?? "ignored", message };
    case "rejected":
      return { status: "rejected", reason: detail?.code ?? "invalid", message };
  }
}

/** Shot entry fields named as the payload names them. */
function fieldName(field: string): string {
  return ({ recorded_at: "ts", external_id: "seq" } as Record<string, string>)[field] ?? field;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid url)";
  }
}
