import {
  AttributeIds,
  ClientMonitoredItem,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
  TimestampsToReturn,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
} from "node-opcua-client";
import type { FeedLogger } from "./log.ts";
import { usesNamespaceUri, withNamespaceIndex } from "./node-id.ts";
import { readingOf, type Reading } from "./reading.ts";

/** What a connection needs to know of a configured source. */
export interface SourceConfig {
  id: string;
  endpoint_url: string;
  node_id: string;
}

export interface Timing {
  /** How often the server sends changes (the subscription's publishing interval). */
  publishingIntervalMs: number;
  /** The longest wait between two attempts to reach a server that is away. */
  reconnectMaxDelayMs: number;
}

export type EndpointState = "connecting" | "connected" | "reconnecting" | "error";

export interface ConnectionHooks {
  log: FeedLogger;
  /** A data change of one source's node, already turned into a reading. */
  onReading: (source: SourceConfig, reading: Reading) => void;
  /** The state of the link to the server, for every source of the endpoint. */
  onState: (state: EndpointState, error: string | null) => void;
  /** One node cannot be monitored (unknown node, no such namespace …), or monitors again (null). */
  onNodeError: (source: SourceConfig, error: string | null) => void;
}

let libraryLogsRouted = false;

/**
 * node-opcua prints its warnings and errors on the console; route them into the feed's JSON log
 * instead (process-wide, once). Its warnings are chatty during reconnects: debug level.
 */
export function routeLibraryLogs(log: FeedLogger): void {
  if (libraryLogsRouted) return;
  libraryLogsRouted = true;
  const text = (args: unknown[]) => args.map((a) => (typeof a === "string" ? a : String(a))).join(" ");
  setWarningLogger((...args: unknown[]) => log.debug({ library: "node-opcua" }, text(args)));
  setErrorLogger((...args: unknown[]) => log.warn({ library: "node-opcua" }, text(args)));
}

/**
 * One OPC UA server: one client, one session, one subscription with a monitored item per source.
 *
 * node-opcua does the reconnecting: the connection strategy retries forever with a capped
 * backoff, and after the server comes back it reactivates or recreates the session and its
 * subscription, and sends each node's current value again. When that repair itself gives up
 * (the client closes, the subscription ends), the whole client is rebuilt here, with the same
 * backoff. A value read again after a reconnect adds nothing: counter readings become deltas
 * against the counter stored in the database (modules/shots).
 */
export class EndpointConnection {
  readonly url: string;
  readonly sources: readonly SourceConfig[];
  readonly #timing: Timing;
  readonly #hooks: ConnectionHooks;
  #closed = false;
  #client: OPCUAClient | null = null;
  /** Ends the current wait: a broken link to rebuild, or the pause between two attempts. */
  #wake: () => void = () => {};
  readonly #done: Promise<void>;

  constructor(url: string, sources: readonly SourceConfig[], timing: Timing, hooks: ConnectionHooks) {
    this.url = url;
    this.sources = sources;
    this.#timing = timing;
    this.#hooks = hooks;
    this.#done = this.#run();
  }

  /** Disconnects (also while still trying to connect) and waits until the client is gone. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    await this.#disconnect();
    await this.#done;
  }

  async #run(): Promise<void> {
    const { log } = this.#hooks;
    let failures = 0;
    while (!this.#closed) {
      const broken = new Promise<void>((resolve) => (this.#wake = resolve));
      try {
        await this.#open();
        failures = 0;
        await broken;
        if (!this.#closed) log.warn({ endpoint: this.url }, "opc ua link broken beyond repair; rebuilding the client");
      } catch (error) {
        if (this.#closed) break;
        failures++;
        const message = error instanceof Error ? error.message : String(error);
        this.#hooks.onState("error", message);
        log.warn({ endpoint: this.url, err: error, failures }, "opc ua connection failed");
      }
      await this.#disconnect();
      if (this.#closed) break;
      const delay = Math.min(this.#timing.reconnectMaxDelayMs, this.#initialDelay() * 2 ** Math.max(0, failures - 1));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** node-opcua wants the first retry delay strictly below the longest. */
  #initialDelay(): number {
    return Math.min(1000, Math.max(10, Math.floor(this.#timing.reconnectMaxDelayMs / 4)));
  }

  async #open(): Promise<void> {
    const { log, onState } = this.#hooks;
    onState("connecting", null);
    const client = OPCUAClient.create({
      applicationName: "HOM",
      clientName: "HOM-counters",
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      connectionStrategy: {
        maxRetry: -1, // forever: a press that is switched off for the weekend comes back on Monday
        initialDelay: this.#initialDelay(),
        maxDelay: this.#timing.reconnectMaxDelayMs,
      },
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
    });
    this.#client = client;
    const current = () => this.#client === client && !this.#closed;
    client.on("connection_lost", () => {
      if (!current()) return;
      log.warn({ endpoint: this.url }, "opc ua connection lost; reconnecting");
      onState("reconnecting", null);
    });
    client.on("connection_reestablished", () => {
      if (!current()) return;
      log.info({ endpoint: this.url }, "opc ua connection re-established");
      onState("connected", null);
    });
    client.on("close", (error?: Error | null) => {
      // Emitted when a reconnection has given up (and on our own disconnect, ignored here).
      if (current() && error) this.#wake();
    });

    await client.connect(this.url); // retries until the server answers, or until close()
    if (!current()) return;
    const session = await client.createSession();
    if (!current()) return;
    const namespaces = this.sources.some((s) => usesNamespaceUri(s.node_id)) ? await session.readNamespaceArray() : [];
    const subscription = await this.#subscribe(session);
    if (!current()) return;
    for (const source of this.sources) this.#monitor(subscription, source, namespaces);
    log.info({ endpoint: this.url, sources: this.sources.length }, "opc ua subscribed");
    onState("connected", null);
  }

  async #subscribe(session: ClientSession): Promise<ClientSubscription> {
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: this.#timing.publishingIntervalMs,
      requestedMaxKeepAliveCount: 10,
      requestedLifetimeCount: 60,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    const client = this.#client;
    subscription.on("terminated", () => {
      if (this.#client === client && !this.#closed) this.#wake();
    });
    subscription.on("internal_error", (error: Error) => {
      this.#hooks.log.warn({ endpoint: this.url, err: error }, "opc ua subscription failed");
      if (this.#client === client && !this.#closed) this.#wake();
    });
    return subscription;
  }

  #monitor(subscription: ClientSubscription, source: SourceConfig, namespaces: readonly string[]): void {
    let nodeId: string;
    try {
      nodeId = withNamespaceIndex(source.node_id, namespaces);
    } catch (error) {
      this.#hooks.onNodeError(source, (error as Error).message);
      return;
    }
    this.#hooks.onNodeError(source, null);
    const item = ClientMonitoredItem.create(
      subscription,
      { nodeId, attributeId: AttributeIds.Value },
      {
        samplingInterval: this.#timing.publishingIntervalMs,
        // Keep every value between two publishes: each one is an event of its own.
        queueSize: 100,
        discardOldest: true,
      },
      TimestampsToReturn.Both,
    );
    item.on("initialized", () => {
      if (!this.#closed && !item.statusCode.isGood()) {
        this.#hooks.onNodeError(source, `the server refuses to monitor ${source.node_id}: ${item.statusCode.name}`);
      }
    });
    item.on("err", (message: string) => {
      if (!this.#closed) this.#hooks.onNodeError(source, message);
    });
    item.on("changed", (dataValue: DataValue) => {
      if (this.#closed) return;
      this.#hooks.onReading(source, readingOf(dataValue, source, new Date()));
    });
  }

  async #disconnect(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = null;
    try {
      await client.disconnect();
    } catch (error) {
      this.#hooks.log.debug({ endpoint: this.url, err: error }, "opc ua disconnect failed");
    }
  }
}
