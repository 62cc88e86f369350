import { Registry } from "prom-client";
import { systemContext } from "./access/context.ts";
import { TokenSigner, newSecret } from "./access/tokens.ts";
import type { Config } from "./config.ts";
import { openDatabase, transaction, type Db } from "./db/index.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { createScheduler, type JobDefinition, type Scheduler } from "./jobs/index.ts";
import { registerOperationsJobs } from "./jobs/operations.ts";
import { startMqttFeed, type MqttIngestor } from "./integrations/mqtt/index.ts";
import { feedLogger } from "./integrations/mqtt/log.ts";
import { PlanActionWatcher } from "./modules/actions/plan-actions.ts";
import { ActionService } from "./modules/actions/service.ts";
import { FailureService } from "./modules/failures/service.ts";
import type { MailSender } from "./modules/notifications/mailer.ts";
import { NotificationService } from "./modules/notifications/service.ts";
import { startPeriodicChecks, type PeriodicChecks } from "./periodic.ts";
import { createOpcuaFeed } from "./integrations/opcua/index.ts";
import { registerPlantMetrics } from "./modules/analytics/metrics.ts";
import { AnalyticsExports } from "./modules/analytics/exports.ts";
import { AnalyticsService } from "./modules/analytics/service.ts";
import { ReportService } from "./modules/reports/service.ts";
import { AuditService } from "./modules/audit/service.ts";
import { AuthService } from "./modules/auth/service.ts";
import { BackupService } from "./modules/backups/service.ts";
import { RetentionService } from "./modules/retention/service.ts";
import { ChecklistService } from "./modules/checklists/service.ts";
import { DowntimeReasonService } from "./modules/downtime-reasons/service.ts";
import { DowntimeService } from "./modules/downtimes/service.ts";
import { HistoryService } from "./modules/history/service.ts";
import { IntegrationService } from "./modules/integrations/service.ts";
import { MaintenanceLogService } from "./modules/maintenance/service.ts";
import { PhotoService } from "./modules/photos/service.ts";
import { PlantService } from "./modules/plant/service.ts";
import { RepairService } from "./modules/repairs/service.ts";
import { PlanService } from "./modules/plans/service.ts";
import { ShotService } from "./modules/shots/service.ts";
import { ToolService } from "./modules/tools/service.ts";
import { settingsRepo } from "./modules/settings/repo.ts";
import { SettingsService } from "./modules/settings/service.ts";
import { SessionService } from "./modules/sessions/service.ts";
import { PrivacyService } from "./modules/privacy/service.ts";
import { UserService } from "./modules/users/service.ts";
import { createObjectStore } from "./storage/index.ts";
import { KeyRing } from "./key-ring.ts";
import { KeyRotationService } from "./modules/encryption/service.ts";

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
  analyticsExports: AnalyticsExports;
  reports: ReportService;
  tools: ToolService;
  shots: ShotService;
  plans: PlanService;
  integrations: IntegrationService;
  checklists: ChecklistService;
  maintenanceLogs: MaintenanceLogService;
  history: HistoryService;
  backups: BackupService;
  encryption: KeyRotationService;
  retention: RetentionService;
  settings: SettingsService;
  photos: PhotoService;
  notifications: NotificationService;
  failures: FailureService;
  actions: ActionService;
}

/** Background work of failures and actions; tests drive these directly. */
export interface Background {
  /** Opens plan actions and sends plan notices (after shots; periodically for days). */
  planWatcher: PlanActionWatcher;
  /** Sends the e-mail outbox; absent without HOM_SMTP_URL. */
  mailer?: MailSender;
  /** The periodic checks as plain functions, what the timer module runs. */
  checks: { plans(now?: number): Promise<unknown>; reminders(now?: number): Promise<unknown>; mail(): Promise<void> };
}

export interface Runtime {
  config: Config;
  db: Db;
  services: Services;
  /** Metrics of work outside HTTP (machine feeds); the app's /metrics shows them too. */
  metrics: Registry;
  /** The master key in use (it changes when the key is rotated inside the server). */
  keys: KeyRing;
  /** The MQTT machine feed, when HOM_MQTT_URL is set. */
  mqtt?: MqttIngestor;
  background: Background;
  /** Scheduled jobs; started only when jobs run in this process (see RuntimeOptions.jobs). */
  scheduler: Scheduler;
  close(): Promise<void>;
}

/** Opens the database, applies migrations and wires the services. */
export interface RuntimeOptions {
  /**
   * Start the machine feeds (MQTT, OPC UA). The server does; CLI commands do not, or `hom user …`
   * would take over the server's MQTT session (same client id) and connect to every OPC UA source.
   */
  feeds?: boolean;
  /** Run the mail outbox timer; default: with the feeds, if HOM_PERIODIC_CHECKS and SMTP is set. */
  periodic?: boolean;
  /**
   * Run scheduled jobs in this process (and HOM_JOBS is not false). Defaults to `feeds`: the
   * server runs them, CLI commands do not.
   */
  jobs?: boolean;
  /** More jobs to schedule, next to the built-in ones (tests). */
  extraJobs?: JobDefinition[];
}

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const feeds = options.feeds ?? true;
  const db = await openDatabase(config.database);
  try {
    await migrateToLatest(db);
    const audit = new AuditService(db);
    // The master key of this process; a rotation inside the server changes it (key-ring.ts).
    const keys = new KeyRing(config.encryptionKey);
    const store = createObjectStore(config.storage);
    const signer = new TokenSigner(config.jwtSecret ?? (await jwtSecret(db, audit)), config.accessTokenTtlSeconds);
    const users = new UserService(db, audit);
    const auth = new AuthService(db, audit, users, signer, config);
    const metrics = new Registry();
    const shots = new ShotService(db, metrics);
    const opcua = createOpcuaFeed(config, { db, shots, registry: metrics });
    const plans = new PlanService(db, audit);
    const jobsLog = feedLogger(config.logLevel, "jobs");
    const logError = (message: string, error: unknown) => jobsLog.error({ err: error }, message);
    const notifications = new NotificationService(db, audit, { emailEnabled: Boolean(config.smtpUrl) });
    // nodemailer is loaded only when e-mail is configured.
    const mailer = config.smtpUrl
      ? new (await import("./modules/notifications/mailer.ts")).MailSender(db, {
          smtpUrl: config.smtpUrl,
          ...config.mail,
          log: (m, e) => jobsLog.warn({ err: e }, m),
        })
      : undefined;
    if (mailer) notifications.onMailQueued(() => mailer.kick());
    const actions = new ActionService(db, audit, notifications);
    const analytics = new AnalyticsService(db);
    const reports = new ReportService(db, audit, analytics, {
      emailEnabled: Boolean(config.smtpUrl),
      mailQueued: () => mailer?.kick(),
      log: (m, e) => jobsLog.error({ err: e }, m),
    });
    plans.onReset((trx, ctx, planId, logId) => actions.completePlanActionsIn(trx, ctx, planId, logId));
    const planWatcher = new PlanActionWatcher(db, audit, notifications, plans, logError, {
      minGapMs: config.planCheckGapMs,
    });
    shots.onShotsCommitted((toolIds) => planWatcher.shotsCommitted(toolIds));
    const backups = new BackupService(db, audit, config, keys);
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
      analytics,
      analyticsExports: new AnalyticsExports(db, analytics),
      reports,
      tools: new ToolService(db, audit),
      shots,
      plans,
      integrations: new IntegrationService(db, audit, opcua),
      checklists: new ChecklistService(db, audit),
      maintenanceLogs: new MaintenanceLogService(db, audit, plans, actions),
      history: new HistoryService(db),
      notifications,
      failures: new FailureService(db, audit, notifications),
      actions,
      photos: new PhotoService(db, audit, {
        store,
        // Photos have a key of their own, derived from the master key (secret-key.ts).
        keys,
        ...config.photos,
      }),
      backups,
      encryption: new KeyRotationService(db, audit, keys, store, config, backups),
      retention: new RetentionService(db, audit, store),
      settings: new SettingsService(db, audit),
    };
    const checks: Background["checks"] = {
      plans: (now) => planWatcher.evaluate(undefined, now),
      reminders: (now) => actions.sendReminders(now),
      mail: () => mailer?.drain() ?? Promise.resolve(),
    };
    // The mail sender polls on every instance (a lease keeps one mail to one sender); plan checks
    // and reminders are scheduled jobs below, so with several instances each tick runs once.
    const periodic: PeriodicChecks | undefined =
      (options.periodic ?? feeds) && config.periodicChecks && mailer
        ? startPeriodicChecks([{ name: "mail", everyMs: 30_000, run: () => checks.mail() }], logError)
        : undefined;
    registerPlantMetrics(metrics, services);
    const scheduler = createScheduler(
      config,
      db,
      metrics,
      ["silent", "fatal"].includes(config.logLevel) ? undefined : jobLog,
    );
    registerOperationsJobs(scheduler, config, services);
    scheduler.register({
      name: "plan-checks",
      schedule: { everySeconds: 300 },
      handler: async () => void (await checks.plans()),
    });
    scheduler.register({
      name: "action-reminders",
      schedule: { everySeconds: 300 },
      handler: async () => void (await checks.reminders()),
    });
    // Reports (docs/analytics.md): the weekly PDF at its hour, and reports left queued (a crash, another instance).
    scheduler.register({
      name: "weekly-report",
      schedule: { cron: "0 * * * *" },
      handler: async (run) => void (await reports.runWeekly(run.scheduledFor)),
    });
    scheduler.register({
      name: "report-worker",
      schedule: { everySeconds: 60 },
      handler: () => reports.processPending(),
    });
    for (const job of options.extraJobs ?? []) scheduler.register(job);
    if ((options.jobs ?? feeds) && config.jobs.enabled) await scheduler.start();
    if (feeds) opcua.start();
    const mqtt = feeds ? startMqttFeed(config, { db, shots: services.shots, registry: metrics }) : undefined;
    // Every part is stopped even if one before it fails to (the first error is rethrown once
    // all are down); the database closes last, when nothing uses it any more.
    const close = async () => {
      const errors: unknown[] = [];
      const stop = async (part: () => Promise<unknown> | undefined) => {
        try {
          await part();
        } catch (error) {
          errors.push(error);
        }
      };
      try {
        await stop(() => scheduler.stop());
        await stop(() => services.backups.idle());
        await stop(() => reports.idle());
        await stop(() => services.encryption.idle());
        await stop(() => opcua.stop());
        await stop(() => mqtt?.close());
        await stop(() => periodic?.stop());
        await stop(() => planWatcher.close());
        await stop(() => mailer?.close());
      } finally {
        await db.close();
      }
      if (errors.length > 0) throw errors[0];
    };
    return { config, db, services, metrics, keys, mqtt, scheduler, background: { planWatcher, mailer, checks }, close };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Job failures go to stderr as JSON lines, like the server's log (the runtime has no logger of its own). */
const jobLog = {
  info: () => {},
  error: (obj: object, msg: string) => {
    const err = (obj as { err?: unknown }).err;
    process.stderr.write(
      `${JSON.stringify({ level: 50, time: Date.now(), msg, ...obj, err: err instanceof Error ? err.message : err })}\n`,
    );
  },
};

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
