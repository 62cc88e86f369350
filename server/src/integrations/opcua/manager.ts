import type { Insertable } from "kysely";
import type { Gauge, Registry } from "prom-client";
import { systemContext } from "../../access/context.ts";
import type { Db } from "../../db/index.ts";
import type { IntegrationEventsTable } from "../../db/schema.ts";
import { newId } from "../../ids.ts";
import { opcuaSourcesRepo, type OpcuaSourceRow } from "../../modules/integrations/repo.ts";
import type { ShotResult, ShotService } from "../../modules/shots/service.ts";
import { integrationEventsRepo } from "../events.ts";
import { connectedGauge, feedMetrics, type FeedMetrics } from "../metrics.ts";
import type { EndpointConnection, EndpointState, SourceConfig, Timing } from "./connection.ts";
import type { FeedLogger } from "./log.ts";
import type { Reading } from "./reading.ts";

export const OPCUA_KINDS = ["machine_cycle_counter", "mould_lifetime_counter"] as const;
export type OpcuaKind = (typeof OPCUA_KINDS)[number];

export interface OpcuaManagerOptions extends Timing {
  enabled: boolean;
  log: FeedLogger;
  /** How often the sources are read again, to follow changes made through another HOM instance. */
  resyncIntervalMs?: number;
  /** Where the feed's metrics go (`/metrics`): messages by outcome, shots, connected servers. */
  registry?: Registry;
}

/** How a source is doing in this process (not stored: every instance has its own link). */
export interface SourceConnection {
  state: "disabled" | "inactive" | "connecting" | "connected" | "reconnecting" | "error";
  last_value: number | null;
  last_received_at: string | null;
  last_error: string | null;
}

interface ActiveSource extends SourceConfig {
  kind: OpcuaKind;
  machine_id: string | null;
  tool_id: string | null;
}

interface SourceStatus {
  endpointState: EndpointState;
  endpointError: string | null;
  nodeError: string | null;
  lastValue: number | null;
  lastReceivedAt: string | null;
  lastError: string | null;
}

interface Notification {
  source: SourceConfig;
  reading: Reading;
  receivedAt: string;
}

const BATCH = 500;
const CHANNEL = "opcua";

/**
 * OPC UA counter sources (SPEC §7): subscribes to every active source, one client per server
 * (endpoint), and turns each data change into a shot entry through the shot service
 * (`ingestRaw`, source `opcua`) plus an `integration_events` row with its outcome.
 *
 * Data changes are queued and stored in arrival order, in batches (one transaction for what
 * arrived meanwhile). Each reading carries an idempotency key `<source id>:<timestamp>:<value>`,
 * and a reading equal to the last one stored for the source is not offered again (a reconnect
 * re-sends the current value): it is kept as a `duplicate` event. Counting never depends on
 * this process's memory, though: totals become deltas against the counter in the database, so
 * the same value read again by another instance, or after a restart, adds nothing.
 *
 * node-opcua is loaded on first use: it costs seconds and ~90 MB, paid only by plants that
 * have an active source.
 */
export class OpcuaManager {
  readonly #db: Db;
  readonly #shots: ShotService;
  readonly #options: OpcuaManagerOptions;
  #started = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** The active sources as last read, by id: notifications are checked against these. */
  #sources = new Map<string, ActiveSource>();
  #connections = new Map<string, EndpointConnection>();
  /** Disconnects and problem reports still under way: stop() waits for them. */
  #background = new Set<Promise<void>>();
  #endpointStates = new Map<string, EndpointState>();
  readonly #metrics: FeedMetrics | undefined;
  readonly #connectedGauge: Gauge | undefined;
  #status = new Map<string, SourceStatus>();
  #lastStored = new Map<string, number>();
  #pending: Notification[] = [];
  #draining: Promise<void> | null = null;
  #syncing: Promise<void> = Promise.resolve();
  #library: Promise<typeof import("./connection.ts")> | undefined;

  constructor(db: Db, shots: ShotService, options: OpcuaManagerOptions) {
    this.#db = db;
    this.#shots = shots;
    this.#options = options;
    if (options.registry) {
      this.#metrics = feedMetrics(options.registry);
      this.#connectedGauge = connectedGauge(
        options.registry,
        "hom_opcua_connected_endpoints",
        "OPC UA servers this instance is subscribed to now",
      );
    }
  }

  /**
   * Reads the sources and connects to their servers, in the background: HOM is ready at once,
   * whether the presses answer or not.
   */
  start(): void {
    if (!this.#options.enabled || this.#started) return;
    this.#started = true;
    void this.reload();
    this.#timer = setInterval(() => void this.reload(), this.#options.resyncIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  /**
   * Follows the sources in the database: new servers are connected, servers whose set of nodes
   * changed are reconnected, servers without active sources are disconnected. A source whose
   * machine or tool changed keeps its subscription; its next readings go to the new owner.
   */
  reload(): Promise<void> {
    if (!this.#started || this.#stopped) return Promise.resolve();
    this.#syncing = this.#syncing
      .then(() => this.#sync())
      .catch((error: unknown) => this.#options.log.error({ err: error }, "opc ua: reading the sources failed"));
    return this.#syncing;
  }

  /** Disconnects from every server and stores what was already received. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#syncing;
    for (const connection of this.#connections.values()) this.#close(connection);
    this.#connections.clear();
    await Promise.all(this.#background);
    await this.#draining;
  }

  /** The state of one source in this process. */
  connectionOf(source: { id: string; active: boolean }): SourceConnection {
    const none = { last_value: null, last_received_at: null, last_error: null };
    if (!this.#options.enabled) return { state: "disabled", ...none };
    const status = this.#status.get(source.id);
    if (!source.active || !status) return { state: source.active ? "connecting" : "inactive", ...none };
    return {
      state: status.nodeError ? "error" : status.endpointState,
      last_value: status.lastValue,
      last_received_at: status.lastReceivedAt,
      last_error: status.nodeError ?? status.endpointError ?? status.lastError,
    };
  }

  async #sync(): Promise<void> {
    const rows = await opcuaSourcesRepo.listActive(this.#db.kysely);
    if (this.#stopped) return;
    const previous = this.#sources;
    this.#sources = new Map(rows.map((row) => [row.id, activeSource(row)]));
    for (const [id, source] of this.#sources) {
      const before = previous.get(id);
      // A counter now read for another machine or tool: its first reading there is offered again.
      if (before && ownerOf(before) !== ownerOf(source)) this.#lastStored.delete(id);
    }
    const byEndpoint = new Map<string, ActiveSource[]>();
    for (const source of this.#sources.values()) {
      byEndpoint.set(source.endpoint_url, [...(byEndpoint.get(source.endpoint_url) ?? []), source]);
    }
    for (const [url, connection] of this.#connections) {
      const wanted = byEndpoint.get(url);
      if (!wanted || nodesOf(wanted) !== nodesOf(connection.sources)) {
        this.#close(connection);
        this.#connections.delete(url);
      }
    }
    for (const id of this.#status.keys()) {
      if (!this.#sources.has(id)) {
        this.#status.delete(id);
        this.#lastStored.delete(id);
      }
    }
    if (byEndpoint.size === 0) return;
    const { EndpointConnection, routeLibraryLogs } = await this.#loadLibrary();
    if (this.#stopped) return;
    routeLibraryLogs(this.#options.log);
    for (const [url, sources] of byEndpoint) {
      if (this.#connections.has(url)) continue;
      const configs = sources.map(({ id, endpoint_url, node_id }) => ({ id, endpoint_url, node_id }));
      for (const source of configs) this.#status.set(source.id, newStatus());
      this.#connections.set(
        url,
        new EndpointConnection(url, configs, this.#options, {
          log: this.#options.log,
          onReading: (source, reading) => this.#enqueue(source, reading),
          onState: (state, error) => {
            this.#noteEndpoint(url, state);
            for (const source of configs) {
              const status = this.#status.get(source.id);
              if (!status) continue;
              status.endpointState = state;
              if (error || state === "connected") status.endpointError = error;
            }
          },
          onNodeError: (source, error) => {
            const status = this.#status.get(source.id);
            if (status) status.nodeError = error;
            if (error) this.#inBackground(this.#recordProblem(source, error));
          },
        }),
      );
    }
  }

  #loadLibrary() {
    this.#library ??= import("./connection.ts");
    return this.#library;
  }

  #close(connection: EndpointConnection): void {
    this.#noteEndpoint(connection.url, null);
    this.#inBackground(
      connection
        .close()
        .catch((error: unknown) =>
          this.#options.log.warn({ err: error, endpoint: connection.url }, "opc ua close failed"),
        ),
    );
  }

  #inBackground(work: Promise<void>): void {
    const tracked = work.finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  /** The state of one server's link (null: no longer used), for the connected-servers gauge. */
  #noteEndpoint(url: string, state: EndpointState | null): void {
    if (state) this.#endpointStates.set(url, state);
    else this.#endpointStates.delete(url);
    this.#connectedGauge?.set([...this.#endpointStates.values()].filter((s) => s === "connected").length);
  }

  #enqueue(source: SourceConfig, reading: Reading): void {
    if (this.#stopped) return;
    this.#pending.push({ source, reading, receivedAt: new Date().toISOString() });
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, BATCH);
      try {
        await this.#store(batch);
      } catch (error) {
        this.#options.log.error({ err: error, readings: batch.length }, "opc ua: storing readings failed");
      }
    }
    this.#draining = null;
  }

  /** Stores a batch of readings in arrival order: shot entries, then one event per reading. */
  async #store(batch: Notification[]): Promise<void> {
    const outcomes: { event: Insertable<IntegrationEventsTable>; reason: string | null; delta: number }[] = [];
    const offered: { outcome: (typeof outcomes)[number]; source: ActiveSource; total: number }[] = [];
    const entries: Record<string, unknown>[] = [];
    for (const { source: config, reading, receivedAt } of batch) {
      const source = this.#sources.get(config.id);
      // Removed, or pointed at another node or server, since this value was received.
      if (!source || source.node_id !== config.node_id || source.endpoint_url !== config.endpoint_url) continue;
      const outcome = {
        event: {
          id: newId(),
          channel: CHANNEL,
          topic: source.id,
          payload: JSON.stringify(reading.payload),
          status: "stored",
          error: null as string | null,
          received_at: receivedAt,
        },
        reason: null as string | null,
        delta: 0,
      };
      outcomes.push(outcome);
      this.#noteReceived(source.id, reading.ok ? reading.total : null, receivedAt);
      if (!reading.ok) {
        Object.assign(outcome.event, { status: reading.status, error: reading.error });
        outcome.reason = reading.reason;
        this.#noteError(source.id, reading.error);
        continue;
      }
      if (this.#lastStored.get(source.id) === reading.total) {
        outcome.event.status = "duplicate"; // read again after a reconnect
        continue;
      }
      offered.push({ outcome, source, total: reading.total });
      entries.push({
        ...(source.kind === "machine_cycle_counter" ? { machine_id: source.machine_id } : { tool_id: source.tool_id }),
        total: reading.total,
        source: "opcua",
        recorded_at: reading.recordedAt,
        external_id: `${source.id}:${reading.recordedAt}:${reading.total}`,
      });
    }
    if (entries.length > 0) {
      let results: ShotResult[];
      try {
        results = await this.#shots.ingestRaw(systemContext("opcua"), entries, null);
      } catch (error) {
        this.#options.log.error({ err: error }, "opc ua: storing shots failed");
        const message = `not stored: ${error instanceof Error ? error.message : String(error)}`;
        results = entries.map((_, index) => ({
          index,
          status: "rejected",
          error: { code: "STORE_FAILED", message, details: [] },
        }));
      }
      results.forEach((result, i) => {
        const { outcome, source, total } = offered[i];
        outcome.event.status = result.status;
        outcome.event.error = result.error ? describeError(result.error) : null;
        outcome.reason = result.error ? (result.error.details[0]?.code ?? result.error.code.toLowerCase()) : null;
        outcome.delta = result.status === "stored" ? (result.delta ?? 0) : 0;
        if (result.status === "stored" || result.status === "duplicate") this.#lastStored.set(source.id, total);
        this.#noteError(source.id, outcome.event.error);
      });
    }
    if (outcomes.length === 0) return;
    await integrationEventsRepo.insert(
      this.#db.kysely,
      outcomes.map((o) => o.event),
    );
    this.#count(outcomes);
  }

  #count(outcomes: { event: { status: string }; reason: string | null; delta: number }[]): void {
    if (!this.#metrics) return;
    let shots = 0;
    for (const { event, reason, delta } of outcomes) {
      this.#metrics.messages.inc({ channel: CHANNEL, status: event.status });
      if (reason) this.#metrics.errors.inc({ channel: CHANNEL, reason });
      shots += delta;
    }
    if (shots > 0) this.#metrics.shotsIngested.inc({ source: "opcua" }, shots);
  }

  /** A node that cannot be monitored is kept as a rejected event, so the admin sees why nothing arrives. */
  async #recordProblem(source: SourceConfig, error: string): Promise<void> {
    this.#options.log.warn({ source: source.id, endpoint: source.endpoint_url, node: source.node_id }, error);
    try {
      await integrationEventsRepo.insert(this.#db.kysely, [
        {
          id: newId(),
          channel: CHANNEL,
          topic: source.id,
          payload: JSON.stringify({ source_id: source.id, endpoint_url: source.endpoint_url, node_id: source.node_id }),
          status: "rejected",
          error,
          received_at: new Date().toISOString(),
        },
      ]);
      this.#count([{ event: { status: "rejected" }, reason: "node_unavailable", delta: 0 }]);
    } catch (failure) {
      this.#options.log.error({ err: failure }, "opc ua: recording a problem failed");
    }
  }

  #noteReceived(id: string, value: number | null, at: string): void {
    const status = this.#status.get(id);
    if (!status) return;
    if (value !== null) status.lastValue = value;
    status.lastReceivedAt = at;
  }

  #noteError(id: string, error: string | null): void {
    const status = this.#status.get(id);
    if (status) status.lastError = error;
  }
}

function activeSource(row: OpcuaSourceRow): ActiveSource {
  return {
    id: row.id,
    endpoint_url: row.endpoint_url,
    node_id: row.node_id,
    kind: row.kind as OpcuaKind,
    machine_id: row.machine_id,
    tool_id: row.tool_id,
  };
}

function ownerOf(source: ActiveSource): string {
  return `${source.kind}:${source.machine_id ?? source.tool_id}`;
}

/** The subscriptions a connection holds: a change here means reconnecting. */
function nodesOf(sources: readonly SourceConfig[]): string {
  return JSON.stringify(sources.map((s) => [s.id, s.node_id]).sort());
}

function newStatus(): SourceStatus {
  return {
    endpointState: "connecting",
    endpointError: null,
    nodeError: null,
    lastValue: null,
    lastReceivedAt: null,
    lastError: null,
  };
}

function describeError(error: NonNullable<ShotResult["error"]>): string {
  if (error.details.length === 0) return error.message;
  return error.details.map((d) => `${d.field}: ${d.message}${d.code ? ` (${d.code})` : ""}`).join("; ");
}
