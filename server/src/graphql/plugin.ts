import type { FastifyInstance } from "fastify";
import type { GraphQLError } from "graphql";
import mercurius from "mercurius";
import type { Config } from "../config.ts";
import { AppError, graphqlCode } from "../errors.ts";
import { registerActionGraphql } from "../modules/actions/graphql.ts";
import { registerAuditGraphql } from "../modules/audit/graphql.ts";
import { registerAuthGraphql } from "../modules/auth/graphql.ts";
import { registerBackupGraphql } from "../modules/backups/graphql.ts";
import { registerEncryptionGraphql } from "../modules/encryption/graphql.ts";
import { registerRetentionGraphql } from "../modules/retention/graphql.ts";
import { registerAnalyticsGraphql } from "../modules/analytics/graphql.ts";
import { registerChecklistGraphql } from "../modules/checklists/graphql.ts";
import { registerDowntimeReasonGraphql } from "../modules/downtime-reasons/graphql.ts";
import { registerDowntimeGraphql } from "../modules/downtimes/graphql.ts";
import { registerFailureGraphql } from "../modules/failures/graphql.ts";
import { registerHistoryGraphql } from "../modules/history/graphql.ts";
import { registerIntegrationGraphql } from "../modules/integrations/graphql.ts";
import { registerMaintenanceLogGraphql } from "../modules/maintenance/graphql.ts";
import { registerNotificationGraphql } from "../modules/notifications/graphql.ts";
import { registerPhotoGraphql } from "../modules/photos/graphql.ts";
import { registerPlantGraphql } from "../modules/plant/graphql.ts";
import { registerSessionGraphql } from "../modules/sessions/graphql.ts";
import { registerPrivacyGraphql } from "../modules/privacy/graphql.ts";
import { registerRepairGraphql } from "../modules/repairs/graphql.ts";
import { registerPlanGraphql } from "../modules/plans/graphql.ts";
import { registerToolGraphql } from "../modules/tools/graphql.ts";
import { registerUserGraphql } from "../modules/users/graphql.ts";
import type { Services } from "../runtime.ts";
import { toAppError } from "../http/errors.ts";
import { createBuilder, toCamelCase, type GraphQLContext } from "./builder.ts";
import { costLimitRule } from "./limits.ts";
import { createRefs } from "./refs.ts";

export function buildSchema() {
  const builder = createBuilder();
  const { UserType } = registerUserGraphql(builder);
  registerAuthGraphql(builder, { UserType: UserType as never });
  registerAuditGraphql(builder);
  registerSessionGraphql(builder);
  registerPrivacyGraphql(builder, { UserType: UserType as never });
  const refs = createRefs(builder);
  registerPlantGraphql(builder, refs);
  const reasonTypes = registerDowntimeReasonGraphql(builder, refs);
  registerDowntimeGraphql(builder, refs, reasonTypes);
  registerRepairGraphql(builder, refs);
  registerAnalyticsGraphql(builder);
  registerToolGraphql(builder, refs);
  registerIntegrationGraphql(builder, refs);
  registerPlanGraphql(builder, refs);
  registerChecklistGraphql(builder, refs);
  registerMaintenanceLogGraphql(builder, refs);
  registerFailureGraphql(builder, refs);
  registerActionGraphql(builder, refs);
  registerNotificationGraphql(builder);
  registerHistoryGraphql(builder, refs);
  registerPhotoGraphql(builder, refs);
  registerBackupGraphql(builder);
  registerEncryptionGraphql(builder);
  registerRetentionGraphql(builder);
  return builder.toSchema();
}

const GENERIC_CODES = new Set([
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "VALIDATION_FAILED",
  "RATE_LIMITED",
  "INTERNAL",
]);

/** One error per GraphQL error, in the SPEC's `extensions.code` vocabulary; details use camelCase fields. */
function formatError(error: GraphQLError, log: FastifyInstance["log"]) {
  const original = error.originalError;
  let extensions: Record<string, unknown>;
  let message = error.message;
  if (original instanceof AppError || (original && "statusCode" in original)) {
    const appError = toAppError(original);
    if (appError.status >= 500) log.error({ err: original }, "graphql resolver failed");
    message = appError.status >= 500 ? "Internal error" : appError.message;
    extensions = {
      code: graphqlCode(appError.status),
      // The REST code where it says more than the status (PASSWORD_CHANGE_REQUIRED, ACCOUNT_LOCKED …).
      ...(GENERIC_CODES.has(appError.code) ? {} : { reason: appError.code }),
      ...(appError.details.length > 0
        ? { details: appError.details.map((d) => ({ ...d, field: d.field.split(".").map(toCamelCase).join(".") })) }
        : {}),
    };
  } else if (original) {
    log.error({ err: original }, "graphql resolver failed");
    message = "Internal error";
    extensions = { code: "INTERNAL_SERVER_ERROR" };
  } else {
    // Parse and validation errors of the document itself.
    extensions = { code: "BAD_USER_INPUT", ...error.extensions };
  }
  return { message, locations: error.locations, path: error.path, extensions };
}

export async function registerGraphql(app: FastifyInstance, services: Services, config: Config): Promise<void> {
  await app.register(mercurius, {
    schema: buildSchema(),
    path: "/graphql",
    graphiql: true,
    queryDepth: config.graphqlMaxDepth,
    validationRules: [costLimitRule(config.graphqlMaxCost)],
    allowBatchedQueries: false,
    context: (request): GraphQLContext => ({ ctx: request.ctx, services }),
    errorFormatter: (execution, context) => {
      const log = context.reply?.log ?? app.log;
      const flat = (execution.errors ?? []).flatMap((e) => {
        const nested = (e.originalError as { errors?: GraphQLError[] } | undefined)?.errors;
        return Array.isArray(nested) ? nested : [e];
      });
      const errors = flat.map((e) => formatError(e, log));
      return { statusCode: httpStatus(execution.data, flat), response: { data: execution.data ?? null, errors } };
    },
  });
}

/**
 * Errors while executing come back with 200 and whatever data there is, as GraphQL over HTTP
 * expects. A request that never executed is the client's fault: the body could not be read
 * (its own 4xx: 400, 413, 415) or the document failed to parse or validate (400).
 */
function httpStatus(data: unknown, errors: GraphQLError[]): number {
  if (data) return 200;
  for (const error of errors) {
    const original = error.originalError as { statusCode?: unknown } | undefined;
    if (
      original &&
      !(original instanceof AppError) &&
      typeof original.statusCode === "number" &&
      original.statusCode >= 400
    ) {
      return original.statusCode < 500 ? original.statusCode : 500;
    }
  }
  return errors.every((e) => !e.originalError) ? 400 : 200;
}
