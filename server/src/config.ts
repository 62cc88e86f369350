import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
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
  HOM_S3_ENDPOINT: url(["http:", "https:"]),
  HOM_S3_BUCKET: optionalString,
  HOM_S3_REGION: optionalString,
  HOM_S3_ACCESS_KEY_ID: optionalString,
  HOM_S3_SECRET_ACCESS_KEY: optionalString,
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
  HOM_GRAPHQL_MAX_DEPTH: int(10, 2, 50),
  HOM_GRAPHQL_MAX_COST: int(5000, 10, 1_000_000),
  HOM_OPCUA: bool(true),
  HOM_OPCUA_PUBLISHING_INTERVAL_MS: int(1000, 10, 60_000),
  HOM_OPCUA_RECONNECT_MAX_DELAY_MS: int(10_000, 100, 600_000),
  HOM_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOM_WEB_DIR: optionalString,
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
  return problems;
}

export type Env = z.output<typeof envSchema>;

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
  mqttUrl?: string;
  /** MQTT client id: stable per instance, so the broker keeps its session across restarts. */
  mqttClientId: string;
  mqttShareGroup: string;
  mqttTopicPrefix: string;
  smtpUrl?: string;
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
  graphqlMaxDepth: number;
  graphqlMaxCost: number;
  /** OPC UA counter sources (integrations/opcua): off leaves them configured but unsubscribed. */
  opcua: { enabled: boolean; publishingIntervalMs: number; reconnectMaxDelayMs: number };
  logLevel: Env["HOM_LOG_LEVEL"];
  webDir: string;
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
    mqttUrl: env.HOM_MQTT_URL,
    mqttClientId: env.HOM_MQTT_CLIENT_ID ?? `hom-${os.hostname().replace(/[^A-Za-z0-9._-]/g, "_")}`.slice(0, 128),
    mqttShareGroup: env.HOM_MQTT_SHARE_GROUP,
    mqttTopicPrefix: env.HOM_MQTT_TOPIC_PREFIX,
    smtpUrl: env.HOM_SMTP_URL,
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
    graphqlMaxDepth: env.HOM_GRAPHQL_MAX_DEPTH,
    graphqlMaxCost: env.HOM_GRAPHQL_MAX_COST,
    opcua: {
      enabled: env.HOM_OPCUA,
      publishingIntervalMs: env.HOM_OPCUA_PUBLISHING_INTERVAL_MS,
      reconnectMaxDelayMs: env.HOM_OPCUA_RECONNECT_MAX_DELAY_MS,
    },
    logLevel: env.HOM_LOG_LEVEL,
    webDir: path.resolve(env.HOM_WEB_DIR ?? path.join(import.meta.dirname, "../../web/dist")),
  };
}
