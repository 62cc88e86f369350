import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { Cron } from "croner";
import { z } from "zod";
import { passwordProblems } from "./access/password-policy.ts";
import { pgTlsProblems } from "./db/postgres-tls.ts";
import { keyFromEnvironment, type SecretKey } from "./secret-key.ts";

/**
 * Environment → typed configuration (SPEC §11), validated once at start.
 * Every variable is documented in README.md; keep the two in step.
 */

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .optional()
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes"].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v));

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
  );

/** A cron pattern (UTC) or `off`; checked here so a typo stops the start, not a night's backup. */
const cronOrOff = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const pattern = v === undefined || v.trim() === "" ? fallback : v.trim();
      if (pattern === "off") return undefined;
      try {
        new Cron(pattern, { paused: true }).stop();
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be a cron pattern like "30 2 * * *" or "off"' });
        return z.NEVER;
      }
      return pattern;
    });

const envSchema = z.object({
  PORT: int(8080, 0, 65535),
  HOST: z.string().min(1).default("127.0.0.1"),
  HOM_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: "must be a postgres:// URL (leave it unset for SQLite in HOM_DATA_DIR)",
  }),
  HOM_PG_SCHEMA: optionalString.refine((v) => v === undefined || /^[a-z_][a-z0-9_]{0,62}$/.test(v), {
    message: "must be a lower-case SQL identifier",
  }),
  HOM_DB_POOL_SIZE: int(10, 1, 200),
  HOM_MQTT_URL: url(["mqtt:", "mqtts:", "ws:", "wss:"]),
  HOM_MQTT_CLIENT_ID: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9._:-]{1,128}$/.test(v), {
    message: "may contain letters, digits and . _ : - only (at most 128)",
  }),
  HOM_MQTT_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "may contain letters, digits and . _ - only (at most 64)")
    .default("hom"),
  HOM_MQTT_TOPIC_PREFIX: z
    .string()
    .max(64, "must be at most 64 characters")
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be topic levels of letters, digits and . _ - joined by /")
    .default("hom"),
  HOM_SMTP_URL: url(["smtp:", "smtps:"]),
  HOM_MAIL_FROM: z.string().trim().min(3).max(200).default("HOM <hom@localhost>"),
  HOM_MAIL_RETRY_BASE_MS: int(30_000, 10, 3_600_000),
  HOM_MAIL_MAX_ATTEMPTS: int(8, 1, 50),
  HOM_PERIODIC_CHECKS: bool(true),
  HOM_STORAGE: z.enum(["local", "s3"], { message: "must be local or s3" }).default("local"),
  HOM_PLAN_CHECK_GAP_MS: int(30_000, 0, 3_600_000),
  HOM_S3_ENDPOINT: url(["http:", "https:"]),
  HOM_S3_BUCKET: optionalString,
  HOM_S3_REGION: optionalString,
  HOM_S3_ACCESS_KEY_ID: optionalString,
  HOM_S3_SECRET_ACCESS_KEY: optionalString,
  HOM_S3_PREFIX: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/.test(v), {
    message: "must be path segments of letters, digits and . _ - joined by /",
  }),
  HOM_S3_FORCE_PATH_STYLE: bool(true),
  HOM_PHOTO_MAX_BYTES: int(25 * 1_048_576, 1024, 200 * 1_048_576),
  HOM_PHOTO_MAX_PIXELS: int(50_000_000, 10_000, 268_402_689),
  HOM_ENCRYPTION_KEY: optionalString,
  HOM_ENCRYPTION_KEY_FILE: optionalString,
  HOM_TLS_CERT: optionalString,
  HOM_TLS_KEY: optionalString,
  HOM_ADMIN_PASSWORD: optionalString.superRefine((v, ctx) => {
    // The first admin's password follows the same policy as every other (access/password-policy.ts).
    for (const problem of v === undefined ? [] : passwordProblems(v, "admin")) {
      ctx.addIssue({ code: "custom", message: problem.message });
    }
  }),
  HOM_ALLOW_SIGNUP: bool(false),
  HOM_JWT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: "must be at least 32 characters",
  }),
  HOM_ACCESS_TOKEN_TTL_SECONDS: int(900, 30, 86_400),
  HOM_REFRESH_TOKEN_TTL_DAYS: int(30, 1, 365),
  HOM_LOGIN_MAX_FAILURES: int(5, 1, 100),
  HOM_LOCKOUT_MINUTES: int(15, 1, 1440),
  HOM_LOGIN_IP_MAX_FAILURES: int(50, 1, 100_000),
  HOM_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const origins = (v ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
          ctx.addIssue({ code: "custom", message: `"${origin}" is not an origin like https://hom.example.com` });
        }
      }
      return origins;
    }),
  HOM_TRUST_PROXY: bool(false),
  HOM_BODY_LIMIT_BYTES: int(1_048_576, 1024, 100 * 1_048_576),
  HOM_HEADERS_TIMEOUT_MS: int(15_000, 100, 600_000),
  HOM_REQUEST_TIMEOUT_MS: int(120_000, 100, 3_600_000),
  HOM_GRAPHQL_MAX_DEPTH: int(10, 2, 50),
  HOM_GRAPHQL_MAX_COST: int(5000, 10, 1_000_000),
  HOM_OPCUA: bool(true),
  HOM_OPCUA_PUBLISHING_INTERVAL_MS: int(1000, 10, 60_000),
  HOM_OPCUA_RECONNECT_MAX_DELAY_MS: int(10_000, 100, 600_000),
  HOM_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOM_WEB_DIR: optionalString,
  HOM_JOBS: bool(true),
  HOM_JOBS_POLL_SECONDS: int(2, 1, 60),
  HOM_BACKUP_DIR: optionalString,
  HOM_BACKUP_CRON: cronOrOff("30 2 * * *"),
  HOM_BACKUP_KEEP: int(14, 1, 10_000),
  HOM_RETENTION_CRON: cronOrOff("15 3 * * *"),
});

/** Checks across variables; run even when single values are bad, so every problem shows at once. */
function crossChecks(environment: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (environment.DATABASE_URL) problems.push(...pgTlsProblems(environment.DATABASE_URL));
  if (Boolean(environment.HOM_TLS_CERT) !== Boolean(environment.HOM_TLS_KEY)) {
    problems.push("HOM_TLS_KEY: HOM_TLS_CERT and HOM_TLS_KEY go together");
  }
  for (const key of ["HOM_TLS_CERT", "HOM_TLS_KEY"]) {
    const file = environment[key];
    if (file && !existsSync(file)) problems.push(`${key}: file not found: ${file}`);
  }
  if (environment.HOM_STORAGE === "s3" && !environment.HOM_S3_BUCKET) {
    problems.push("HOM_S3_BUCKET: is required when HOM_STORAGE=s3");
  }
  return problems;
}

export type Env = z.output<typeof envSchema>;

/** Where photos (and later backups) are kept. */
export type StorageConfig =
  | { kind: "local"; dir: string }
  | {
      kind: "s3";
      bucket: string;
      prefix: string;
      endpoint?: string;
      region: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
    };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database:
    | {
        kind: "sqlite";
        file: string;
        /** Encrypts the file (SQLCipher format) with a key derived from the master key. */
        key?: SecretKey;
      }
    | { kind: "postgres"; url: string; schema?: string; poolSize: number };
  /**
   * The master key of encryption at rest (HOM_ENCRYPTION_KEY or HOM_ENCRYPTION_KEY_FILE; secret-key.ts).
   * SQLite uses it for the database; photos and backups derive their keys from it too.
   */
  encryptionKey?: SecretKey;
  /**
   * Where the running server reads the next master key when an admin rotates the key
   * (HOM_NEW_ENCRYPTION_KEY_FILE, else `<HOM_ENCRYPTION_KEY_FILE>.new`); read at that moment, not at start.
   */
  newEncryptionKeyFile?: string;
  mqttUrl?: string;
  /** MQTT client id: stable per instance, so the broker keeps its session across restarts. */
  mqttClientId: string;
  mqttShareGroup: string;
  mqttTopicPrefix: string;
  smtpUrl?: string;
  /** E-mail notifications (modules/notifications/mailer.ts): sender, retry backoff, attempts before giving up. */
  mail: { from: string; retryBaseMs: number; maxAttempts: number };
  /** In-process periodic checks (plan states by days, action reminders, the mail outbox); off in tests. */
  periodicChecks: boolean;
  /** The least time between two plan checks triggered by shots (modules/actions/plan-actions.ts). */
  planCheckGapMs: number;
  tls?: { cert: string; key: string };
  adminPassword?: string;
  allowSignup: boolean;
  jwtSecret?: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  loginMaxFailures: number;
  lockoutMinutes: number;
  loginIpMaxFailures: number;
  corsOrigins: string[];
  trustProxy: boolean;
  bodyLimitBytes: number;
  /** A client must have sent all its headers within this time (slow-header attacks), … */
  headersTimeoutMs: number;
  /** … and its whole request, body included, within this one (photo uploads on a slow Wi-Fi). */
  requestTimeoutMs: number;
  graphqlMaxDepth: number;
  graphqlMaxCost: number;
  storage: StorageConfig;
  photos: { maxBytes: number; maxPixels: number };
  /** OPC UA counter sources (integrations/opcua): off leaves them configured but unsubscribed. */
  opcua: { enabled: boolean; publishingIntervalMs: number; reconnectMaxDelayMs: number };
  logLevel: Env["HOM_LOG_LEVEL"];
  webDir: string;
  /** Scheduled jobs (server/src/jobs): off runs none in this process. */
  jobs: { enabled: boolean; pollingIntervalSeconds: number; retentionCron?: string };
  /** `hom backup` and the nightly backup (docs/operations.md). */
  backup: { dir: string; cron?: string; keep: number };
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** `scheme://user:password@host` → `scheme://user:***@host`: connection strings carry passwords. */
export function withoutCredentials(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*):[^@\s]*@/g, "$1:***@");
}

/** Reads `.env` from the working directory, if present; variables already in the environment win. */
export function readDotEnv(file = path.resolve(".env")): Record<string, string> {
  if (!existsSync(file)) return {};
  return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
}

export function loadConfig(environment: NodeJS.ProcessEnv = { ...readDotEnv(), ...process.env }): Config {
  const parsed = envSchema.safeParse(environment);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const key = issue.path.join(".");
        const value = environment[key];
        // Never echo secrets back: only show values of non-secret variables, and URLs without their password.
        const shown =
          value !== undefined && !/SECRET|PASSWORD|KEY/.test(key) ? ` (got "${withoutCredentials(value)}")` : "";
        return `${key}: ${issue.message}${shown}`;
      });
  problems.push(...crossChecks(environment));
  const encryptionKey = keyFromEnvironment(environment, "HOM_ENCRYPTION_KEY", "HOM_ENCRYPTION_KEY_FILE", problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  const dataDir = path.resolve(env.HOM_DATA_DIR);
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    database: env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL, schema: env.HOM_PG_SCHEMA, poolSize: env.HOM_DB_POOL_SIZE }
      : { kind: "sqlite", file: path.join(dataDir, "hom.sqlite"), ...(encryptionKey ? { key: encryptionKey } : {}) },
    encryptionKey,
    newEncryptionKeyFile:
      environment.HOM_NEW_ENCRYPTION_KEY_FILE ||
      (environment.HOM_ENCRYPTION_KEY_FILE ? `${environment.HOM_ENCRYPTION_KEY_FILE}.new` : undefined),
    mqttUrl: env.HOM_MQTT_URL,
    mqttClientId: env.HOM_MQTT_CLIENT_ID ?? `hom-${os.hostname().replace(/[^A-Za-z0-9._-]/g, "_")}`.slice(0, 128),
    mqttShareGroup: env.HOM_MQTT_SHARE_GROUP,
    mqttTopicPrefix: env.HOM_MQTT_TOPIC_PREFIX,
    smtpUrl: env.HOM_SMTP_URL,
    mail: { from: env.HOM_MAIL_FROM, retryBaseMs: env.HOM_MAIL_RETRY_BASE_MS, maxAttempts: env.HOM_MAIL_MAX_ATTEMPTS },
    periodicChecks: env.HOM_PERIODIC_CHECKS,
    planCheckGapMs: env.HOM_PLAN_CHECK_GAP_MS,
    tls: env.HOM_TLS_CERT && env.HOM_TLS_KEY ? { cert: env.HOM_TLS_CERT, key: env.HOM_TLS_KEY } : undefined,
    adminPassword: env.HOM_ADMIN_PASSWORD,
    allowSignup: env.HOM_ALLOW_SIGNUP,
    jwtSecret: env.HOM_JWT_SECRET,
    accessTokenTtlSeconds: env.HOM_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: env.HOM_REFRESH_TOKEN_TTL_DAYS,
    loginMaxFailures: env.HOM_LOGIN_MAX_FAILURES,
    lockoutMinutes: env.HOM_LOCKOUT_MINUTES,
    loginIpMaxFailures: env.HOM_LOGIN_IP_MAX_FAILURES,
    corsOrigins: env.HOM_CORS_ORIGINS,
    trustProxy: env.HOM_TRUST_PROXY,
    bodyLimitBytes: env.HOM_BODY_LIMIT_BYTES,
    headersTimeoutMs: Math.min(env.HOM_HEADERS_TIMEOUT_MS, env.HOM_REQUEST_TIMEOUT_MS),
    requestTimeoutMs: env.HOM_REQUEST_TIMEOUT_MS,
    graphqlMaxDepth: env.HOM_GRAPHQL_MAX_DEPTH,
    graphqlMaxCost: env.HOM_GRAPHQL_MAX_COST,
    storage:
      env.HOM_STORAGE === "s3"
        ? {
            kind: "s3",
            bucket: env.HOM_S3_BUCKET!,
            prefix: env.HOM_S3_PREFIX ? env.HOM_S3_PREFIX.replace(/\/?$/, "/") : "",
            endpoint: env.HOM_S3_ENDPOINT,
            region: env.HOM_S3_REGION ?? "us-east-1",
            accessKeyId: env.HOM_S3_ACCESS_KEY_ID,
            secretAccessKey: env.HOM_S3_SECRET_ACCESS_KEY,
            forcePathStyle: env.HOM_S3_FORCE_PATH_STYLE,
          }
        : { kind: "local", dir: path.join(dataDir, "objects") },
    photos: { maxBytes: env.HOM_PHOTO_MAX_BYTES, maxPixels: env.HOM_PHOTO_MAX_PIXELS },
    opcua: {
      enabled: env.HOM_OPCUA,
      publishingIntervalMs: env.HOM_OPCUA_PUBLISHING_INTERVAL_MS,
      reconnectMaxDelayMs: env.HOM_OPCUA_RECONNECT_MAX_DELAY_MS,
    },
    logLevel: env.HOM_LOG_LEVEL,
    webDir: path.resolve(env.HOM_WEB_DIR ?? path.join(import.meta.dirname, "../../web/dist")),
    jobs: {
      enabled: env.HOM_JOBS,
      pollingIntervalSeconds: env.HOM_JOBS_POLL_SECONDS,
      retentionCron: env.HOM_RETENTION_CRON,
    },
    backup: {
      dir: path.resolve(env.HOM_BACKUP_DIR ?? path.join(dataDir, "backups")),
      cron: env.HOM_BACKUP_CRON,
      keep: env.HOM_BACKUP_KEEP,
    },
  };
}
