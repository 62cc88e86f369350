import { Counter, Gauge, type Registry } from "prom-client";

/**
 * Metrics of the machine feeds (MQTT, OPC UA), registered in the runtime's registry, which
 * `/metrics` shows next to the HTTP metrics (http/metrics.ts). Get-or-create, so every feed
 * of one runtime shares the same series and a second call never throws "already registered".
 */
export interface FeedMetrics {
  /** Shots counted from machine feeds (sum of stored deltas), by source (`mqtt`, `opcua`). */
  shotsIngested: Counter<"source">;
  /** Inbound messages by channel and outcome (`stored`, `duplicate`, `ignored`, `rejected`). */
  messages: Counter<"channel" | "status">;
  /** Messages refused or ignored, and storage failures (`store_failed`), by channel and reason. */
  errors: Counter<"channel" | "reason">;
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function feedMetrics(registry: Registry): FeedMetrics {
  return {
    shotsIngested: getOrCreate(
      registry,
      "hom_shots_ingested_total",
      () =>
        new Counter({
          name: "hom_shots_ingested_total",
          help: "Shots counted from machine feeds (sum of stored deltas), by source",
          labelNames: ["source"],
          registers: [registry],
        }),
    ),
    messages: getOrCreate(
      registry,
      "hom_integration_messages_total",
      () =>
        new Counter({
          name: "hom_integration_messages_total",
          help: "Inbound machine messages by channel and outcome (stored, duplicate, ignored, rejected)",
          labelNames: ["channel", "status"],
          registers: [registry],
        }),
    ),
    errors: getOrCreate(
      registry,
      "hom_integration_errors_total",
      () =>
        new Counter({
          name: "hom_integration_errors_total",
          help: "Machine messages rejected or ignored, and storage failures, by channel and reason",
          labelNames: ["channel", "reason"],
          registers: [registry],
        }),
    ),
  };
}

/** Connection state of a feed's client: 1 connected, 0 not. */
export function connectedGauge(registry: Registry, name: string, help: string): Gauge {
  return getOrCreate(registry, name, () => new Gauge({ name, help, registers: [registry] }));
}

export function plainCounter(registry: Registry, name: string, help: string): Counter {
  return getOrCreate(registry, name, () => new Counter({ name, help, registers: [registry] }));
}
