import { Registry } from "prom-client";
import { systemContext } from "./access/context.ts";
import { TokenSigner, newSecret } from "./access/tokens.ts";
import type { Config } from "./config.ts";
import { openDatabase, transaction, type Db } from "./db/index.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { startMqttFeed, type MqttIngestor } from "./integrations/mqtt/index.ts";
import { createOpcuaFeed } from "./integrations/opcua/index.ts";
import { registerPlantMetrics } from "./modules/analytics/metrics.ts";
import { AnalyticsService } from "./modules/analytics/service.ts";
import { AuditService } from "./modules/audit/service.ts";
import { AuthService } from "./modules/auth/service.ts";
import { ChecklistService } from "./modules/checklists/service.ts";
import { DowntimeReasonService } from "./modules/downtime-reasons/service.ts";
import { DowntimeService } from "./modules/downtimes/service.ts";
import { HistoryService } from "./modules/history/service.ts";
import { IntegrationService } from "./modules/integrations/service.ts";
import { MaintenanceLogService } from "./modules/maintenance/service.ts";
import { PlantService } from "./modules/plant/service.ts";
import { RepairService } from "./modules/repairs/service.ts";
import { PlanService } from "./modules/plans/service.ts";
import { ShotService } from "./modules/shots/service.ts";
import { ToolService } from "./modules/tools/service.ts";
import { settingsRepo } from "./modules/settings/repo.ts";
import { SessionService } from "./modules/sessions/service.ts";
import { PrivacyService } from "./modules/privacy/service.ts";
import { UserService } from "./modules/users/service.ts";

/** The services, built once per process over one database. Routes and resolvers only call these. */
export interface Services {
  audit: AuditService;
  users: UserService;
  auth: AuthService;
  sessions: SessionService;
  privacy: PrivacyService;
  plant: PlantService;
  downtimeReasons: DowntimeReasonService;
  downtimes: DowntimeService;
  repairs: RepairService;
  analytics: AnalyticsService;
  tools: ToolService;
  shots: ShotService;
  plans: PlanService;
  integrations: IntegrationService;
  checklists: ChecklistService;
  maintenanceLogs: MaintenanceLogService;
  history: HistoryService;
}

export interface Runtime {
  config: Config;
  db: Db;
  services: Services;
  /** Metrics of work outside HTTP (machine feeds); the app's /metrics shows them too. */
  metrics: Registry;
  /** The MQTT machine feed, when HOM_MQTT_URL is set. */
  mqtt?: MqttIngestor;
  close(): Promise<void>;
}

/** Opens the database, applies migrations and wires the services. */
export interface RuntimeOptions {
  /**
   * Start the machine feeds (MQTT, OPC UA). The server does; CLI commands do not, or `hom user …`
   * would take over the server's MQTT session (same client id) and connect to every OPC UA source.
   */
  feeds?: boolean;
}

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const feeds = options.feeds ?? true;
  const db = await openDatabase(config.database);
  try {
    await migrateToLatest(db);
    const audit = new AuditService(db);
    const signer = new TokenSigner(config.jwtSecret ?? (await jwtSecret(db, audit)), config.accessTokenTtlSeconds);
    const users = new UserService(db, audit);
    const auth = new AuthService(db, audit, users, signer, config);
    const metrics = new Registry();
    const shots = new ShotService(db);
    const opcua = createOpcuaFeed(config, { db, shots, registry: metrics });
    const plans = new PlanService(db, audit);
    const services: Services = {
      audit,
      users,
      auth,
      sessions: new SessionService(db, audit),
      privacy: new PrivacyService(db, audit),
      plant: new PlantService(db, audit),
      downtimeReasons: new DowntimeReasonService(db, audit),
      downtimes: new DowntimeService(db, audit),
      repairs: new RepairService(db, audit),
      analytics: new AnalyticsService(db),
      tools: new ToolService(db, audit),
      shots,
      plans,
      integrations: new IntegrationService(db, audit, opcua),
      checklists: new ChecklistService(db, audit),
      maintenanceLogs: new MaintenanceLogService(db, audit, plans),
      history: new HistoryService(db),
    };
    registerPlantMetrics(metrics, services);
    if (feeds) opcua.start();
    const mqtt = feeds ? startMqttFeed(config, { db, shots: services.shots, registry: metrics }) : undefined;
    const close = async () => {
      try {
        await opcua.stop();
        await mqtt?.close();
      } finally {
        await db.close();
      }
    };
    return { config, db, services, metrics, mqtt, close };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Without HOM_JWT_SECRET, a secret is generated on first start and kept in the database,
 * so tokens survive restarts and every instance on one PostgreSQL signs alike.
 */
async function jwtSecret(db: Db, audit: AuditService): Promise<string> {
  const existing = await settingsRepo.get(db.kysely, "jwt_secret");
  if (existing) return existing;
  await transaction(db, async (trx) => {
    if (await settingsRepo.insertIfAbsent(trx, "jwt_secret", newSecret())) {
      await audit.record(trx, systemContext(), {
        action: "settings.create",
        entity_type: "setting",
        entity_id: "jwt_secret",
        changes: { value: ["[redacted]", "[redacted]"] },
      });
    }
  });
  return (await settingsRepo.get(db.kysely, "jwt_secret"))!;
}
