import type { Registry } from "prom-client";
import type { Config } from "../../config.ts";
import type { Db } from "../../db/index.ts";
import type { ShotService } from "../../modules/shots/service.ts";
import { feedLogger } from "./log.ts";
import { OpcuaManager } from "./manager.ts";

export { OpcuaManager } from "./manager.ts";

/** The OPC UA feed of a runtime; `start()` subscribes to the active sources (unless HOM_OPCUA=false). */
export function createOpcuaFeed(
  config: Config,
  deps: { db: Db; shots: ShotService; registry: Registry },
): OpcuaManager {
  return new OpcuaManager(deps.db, deps.shots, {
    ...config.opcua,
    log: feedLogger("opcua", config.logLevel),
    registry: deps.registry,
  });
}
