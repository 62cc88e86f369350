import type { Registry } from "prom-client";
import type { Config } from "../../config.ts";
import type { Db } from "../../db/index.ts";
import type { ShotService } from "../../modules/shots/service.ts";
import { MqttIngestor } from "./ingestor.ts";
import { feedLogger } from "./log.ts";

export { MqttIngestor } from "./ingestor.ts";

/**
 * The MQTT machine feed of a runtime, when HOM_MQTT_URL is set. It connects in the background:
 * HOM starts even while the broker is away, and the feed keeps reconnecting (logged).
 */
export function startMqttFeed(
  config: Config,
  deps: { db: Db; shots: ShotService; registry: Registry },
): MqttIngestor | undefined {
  if (!config.mqttUrl) return undefined;
  return new MqttIngestor(
    {
      url: config.mqttUrl,
      clientId: config.mqttClientId,
      shareGroup: config.mqttShareGroup,
      topicPrefix: config.mqttTopicPrefix,
    },
    { ...deps, log: feedLogger(config.logLevel, "mqtt") },
  );
}
