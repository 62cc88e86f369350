import type { FastifyInstance, FastifyRequest } from "fastify";
import { getOperationAST, GraphQLError, parse } from "graphql";
import mercurius from "mercurius";
import type { Config } from "../config.ts";
import { isKnownInfrastructureError } from "../db/errors.ts";
import { AppError, graphqlCode } from "../errors.ts";
import { registerActionGraphql } from "../modules/actions/graphql.ts";
import { registerAuditGraphql } from "../modules/audit/graphql.ts";
import { registerAuthGraphql } from "../modules/auth/graphql.ts";
import { registerBackupGraphql } from "../modules/backups/graphql.ts";
import { registerEncryptionGraphql } from "../modules/encryption/graphql.ts";
import { registerRetentionGraphql } from "../modules/retention/graphql.ts";
import { registerSettingsGraphql } from "../modules/settings/graphql.ts";
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
  const refs = createRefs(builder);
  const { UserType } = registerUserGraphql(builder, refs);
  registerAuthGraphql(builder, { UserType: UserType as never });
  registerAuditGraphql(builder);
  registerSessionGraphql(builder);
  registerPrivacyGraphql(builder, { UserType: UserType as never });
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
  registerSettingsGraphql(builder);
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
  if (original instanceof AppError || (original && "statusCode" in original) || isKnownInfrastructureError(original)) {
    const appError = toAppError(original);
    if (appError.status >= 500) log.error({ err: original }, "graphql resolver failed");
    message = appError.status >= 500 && appError.code === "INTERNAL" ? "Internal error" : appError.message;
    extensions = {
      code: graphqlCode(appError.status),
      // The REST code where it says more than the status (PASSWORD_CHANGE_REQUIRED, ACCOUNT_LOCKED …).
      ...(GENERIC_CODES.has(appError.code) ? {} : { reason: appError.code }),
      ...(appError.details.length > 0
        ? { details: appError.details.map((d) => ({ ...d, field: d.field.split(".").map(toCamelCase).join(".") })) }
        : {}),
    };
  } else if (isVariableError(error)) {
    // A variable of the wrong type (`ID cannot represent value: true`): the request's fault.
    const variable = /^Variable "\$([^"]+)"/.exec(error.message)?.[1];
    extensions = {
      code: "BAD_USER_INPUT",
      ...(variable ? { details: [{ field: variable, message: error.message, code: "invalid_type" }] } : {}),
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

/**
 * The GraphQL-over-HTTP envelope, checked before mercurius sees it: mercurius (and graphql-js
 * under it) throw plain errors — 500s — for a body of `null`, a non-string `query` or
 * non-object `variables`. A malformed envelope is the client's fault: 400 with the field.
 */
function envelopeProblems(request: FastifyRequest): { field: string; message: string; code: string }[] {
  const fromQueryString = request.method === "GET";
  const raw = fromQueryString ? request.query : request.body;
  if (raw === undefined) return [];
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return [{ field: "(body)", message: "must be a JSON object with query and variables", code: "invalid_type" }];
  }
  const envelope = raw as Record<string, unknown>;
  const problems = [];
  const optionalString = (field: string) => {
    const value = envelope[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      problems.push({ field, message: "must be a string", code: "invalid_type" });
    }
  };
  optionalString("query");
  optionalString("operationName");
  // mercurius reads a query that is not GraphQL as a JSON-encoded AST, unchecked by the parser's
  // limits and crashing validation when it is not one. No JSON text is a GraphQL document.
  if (typeof envelope.query === "string" && isJson(envelope.query)) {
    problems.push({ field: "query", message: "must be a GraphQL document", code: "invalid_document" });
  }
  // Over GET, mercurius looks up the operation to refuse mutations and crashes when there is
  // none by that name (or several and no name).
  if (fromQueryString && typeof envelope.query === "string" && problems.length === 0) {
    const name = typeof envelope.operationName === "string" ? envelope.operationName : null;
    let document;
    try {
      document = parse(envelope.query);
    } catch {
      document = undefined; // mercurius reports the syntax error in its own words
    }
    if (document && !getOperationAST(document, name)) {
      problems.push({
        field: "operationName",
        message: name ? `no operation named "${name}"` : "the document has several operations: name one",
        code: "unknown_operation",
      });
    }
  }
  let variables = envelope.variables;
  if (fromQueryString && typeof variables === "string") {
    try {
      variables = JSON.parse(variables);
    } catch {
      problems.push({ field: "variables", message: "must be a JSON object", code: "invalid_json" });
      return problems;
    }
  }
  if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) {
    problems.push({ field: "variables", message: "must be an object of variable values", code: "invalid_type" });
  }
  return problems;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function registerGraphql(app: FastifyInstance, services: Services, config: Config): Promise<void> {
  app.addHook("preHandler", async (request, reply) => {
    if (request.routeOptions.url !== "/graphql") return;
    const details = envelopeProblems(request);
    if (details.length === 0) return;
    return reply.code(400).send({
      data: null,
      errors: [{ message: "Malformed GraphQL request", extensions: { code: "BAD_USER_INPUT", details } }],
    });
  });
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
 * graphql-js wraps the scalar's complaint about a variable value (itself a GraphQLError) in an
 * error without a path: it comes from coercing the variables, before any resolver ran.
 */
function isVariableError(error: GraphQLError): boolean {
  return error.originalError instanceof GraphQLError && error.path === undefined;
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
  return errors.every((e) => !e.originalError || isVariableError(e)) ? 400 : 200;
}
