import { readFileSync } from "node:fs";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { AppError, validationFailed } from "./errors.ts";
import { registerGraphql } from "./graphql/plugin.ts";
import { registerAuthentication } from "./http/auth-hook.ts";
import { fieldWithNul, nulDetail } from "./validate.ts";
import { MAX_PARAM_LENGTH, registerErrorHandling, sendError, toAppError } from "./http/errors.ts";
import { registerHealth } from "./http/health.ts";
import { registerMetrics } from "./http/metrics.ts";
import { registerOpenApi } from "./http/openapi.ts";
import { registerWeb } from "./http/web.ts";
import { newId } from "./ids.ts";
import { registerActionRoutes } from "./modules/actions/rest.ts";
import { registerAnalyticsRoutes } from "./modules/analytics/rest.ts";
import { registerAuditRoutes } from "./modules/audit/rest.ts";
import { registerAuthRoutes } from "./modules/auth/rest.ts";
import { registerBackupRoutes } from "./modules/backups/rest.ts";
import { registerEncryptionRoutes } from "./modules/encryption/rest.ts";
import { registerRetentionRoutes } from "./modules/retention/rest.ts";
import { registerSettingsRoutes } from "./modules/settings/rest.ts";
import { registerChecklistRoutes } from "./modules/checklists/rest.ts";
import { registerDowntimeReasonRoutes } from "./modules/downtime-reasons/rest.ts";
import { registerDowntimeRoutes } from "./modules/downtimes/rest.ts";
import { registerFailureRoutes } from "./modules/failures/rest.ts";
import { registerHistoryRoutes } from "./modules/history/rest.ts";
import { registerIntegrationRoutes } from "./modules/integrations/rest.ts";
import { registerMaintenanceLogRoutes } from "./modules/maintenance/rest.ts";
import { registerNotificationRoutes } from "./modules/notifications/rest.ts";
import { registerPhotoRoutes } from "./modules/photos/rest.ts";
import { registerPlantRoutes } from "./modules/plant/rest.ts";
import { registerSessionRoutes } from "./modules/sessions/rest.ts";
import { registerPrivacyRoutes } from "./modules/privacy/rest.ts";
import { registerRepairRoutes } from "./modules/repairs/rest.ts";
import { registerPlanRoutes } from "./modules/plans/rest.ts";
import { registerToolRoutes } from "./modules/tools/rest.ts";
import { registerUserRoutes } from "./modules/users/rest.ts";
import type { Runtime } from "./runtime.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Every route as registered (method and URL pattern): the permission matrix test walks it. */
    routeTable: { method: string; url: string }[];
  }
  interface FastifyContextConfig {
    /** The route also takes `application/x-www-form-urlencoded` (the OAuth2 password form). */
    acceptsForm?: boolean;
    /** The route takes `text/csv` (imports). */
    acceptsCsv?: boolean;
  }
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Keys whose values never reach the logs. */
export const LOG_REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.password",
  "*.refresh_token",
  "*.access_token",
];

export interface AppOptions {
  logger?: FastifyServerOptions["logger"];
}

/**
 * Builds the Fastify app over a started runtime: REST under /api/v1, GraphQL at /graphql,
 * the web app at /, and the operations endpoints. Closing the app closes the runtime.
 */
export async function buildApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config, services } = runtime;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, redact: LOG_REDACT },
    bodyLimit: config.bodyLimitBytes,
    // Slow clients (a socket trickling its headers or body) are cut off with a 408 rather than
    // holding a connection open; Node checks the deadlines every `connectionsCheckingInterval`.
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    },
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && CLIENT_REQUEST_ID.test(given) ? given : newId();
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's refusals (bad percent-encoding, an overlong id) in the one error shape, not Fastify's.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, toAppError(error));
    },
    forceCloseConnections: "idle",
    return503OnClosing: true,
    // With a certificate HOM speaks HTTP/2 and, for older clients and tools, HTTP/1.1 on the same port.
    ...(config.tls
      ? {
          http2: true as never,
          https: { allowHTTP1: true, cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) },
        }
      : {}),
  });

  // Validation lives in the services (zod) so that REST and GraphQL refuse alike; route
  // schemas only document the API. Responses are plain JSON, never filtered by schema.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.decorate("routeTable", [] as { method: string; url: string }[]);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) app.routeTable.push({ method, url: route.url });
  });

  registerErrorHandling(app);
  // Path parameters reach lookups without a schema: a NUL character (refused by PostgreSQL's text)
  // is named here, as the services name it in bodies and query strings (validate.ts).
  app.addHook("preValidation", async (request) => {
    const field = fieldWithNul(request.params);
    if (field !== undefined) throw validationFailed([nulDetail(field)]);
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  // JSON only, plus the OAuth2 password form and CSV where a route accepts them; anything else is a 415.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.addHook("preValidation", async (request) => {
    const type = request.headers["content-type"] ?? "";
    const { acceptsForm, acceptsCsv } = request.routeOptions.config;
    if (
      (type.startsWith("application/x-www-form-urlencoded") && !acceptsForm) ||
      (type.startsWith("text/csv") && !acceptsCsv)
    ) {
      throw new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported content type; send application/json");
    }
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // Plants often reach HOM over plain HTTP on the LAN; upgrading would break every asset.
        upgradeInsecureRequests: config.tls ? [] : null,
      },
    },
    // HSTS only makes sense when HOM itself terminates TLS.
    hsts: config.tls ? { maxAge: 15_552_000 } : false,
  });
  if (config.corsOrigins.length > 0) {
    await app.register(cors, { origin: config.corsOrigins, credentials: false, maxAge: 600 });
  }

  registerMetrics(app, runtime.metrics);
  registerAuthentication(app, services.auth);
  await registerOpenApi(app);
  registerHealth(app, runtime.db);
  registerAuthRoutes(app, services);
  registerUserRoutes(app, services);
  registerSessionRoutes(app, services);
  registerPrivacyRoutes(app, services);
  registerAuditRoutes(app, services);
  registerPlantRoutes(app, services);
  registerDowntimeReasonRoutes(app, services);
  registerDowntimeRoutes(app, services);
  registerRepairRoutes(app, services);
  registerAnalyticsRoutes(app, services);
  registerToolRoutes(app, services);
  registerIntegrationRoutes(app, services);
  registerPlanRoutes(app, services);
  registerChecklistRoutes(app, services);
  registerMaintenanceLogRoutes(app, services);
  registerHistoryRoutes(app, services);
  registerFailureRoutes(app, services);
  registerActionRoutes(app, services);
  registerNotificationRoutes(app, services);
  await registerPhotoRoutes(app, services);
  registerBackupRoutes(app, services);
  registerEncryptionRoutes(app, services);
  registerRetentionRoutes(app, services);
  registerSettingsRoutes(app, services);
  await registerGraphql(app, services, config);
  await registerWeb(app, config.webDir);

  app.addHook("onClose", async () => runtime.close());
  return app;
}
