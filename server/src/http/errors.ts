import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isDatabaseBusy, isNulInTextError, isStorageFull } from "../db/errors.ts";
import { AppError } from "../errors.ts";
import { nulDetail } from "../validate.ts";

/** Longest path parameter the router accepts (ids are 36 characters; retention kinds shorter). */
export const MAX_PARAM_LENGTH = 100;

export interface ErrorBody {
  error: { code: string; message: string; details: AppError["details"] };
}

/** Fastify's own errors (body parsing, limits) in the terms of the one error model. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as Partial<FastifyError>;
  switch (e.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError(400, "BAD_REQUEST", "Malformed JSON body");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported content type; send application/json");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError(413, "PAYLOAD_TOO_LARGE", "Request body is too large");
    // The router's own refusals (frameworkErrors in app.ts): before any route runs.
    case "FST_ERR_BAD_URL":
      return new AppError(400, "BAD_REQUEST", "Malformed URL: invalid percent-encoding", [
        { field: "(path)", message: "invalid percent-encoding", code: "invalid_url" },
      ]);
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new AppError(414, "URI_TOO_LONG", "A path parameter is too long", [
        { field: "(path)", message: `at most ${MAX_PARAM_LENGTH} characters per path parameter`, code: "too_big" },
      ]);
  }
  if (isDatabaseBusy(error)) {
    return new AppError(
      503,
      "DATABASE_BUSY",
      "The database is busy with another writer; nothing was saved. Try again in a moment.",
      [],
      { "retry-after": "2" },
    );
  }
  if (isStorageFull(error)) {
    return new AppError(
      507,
      "INSUFFICIENT_STORAGE",
      "The server's storage is full; nothing was saved. Tell your administrator.",
    );
  }
  if (isNulInTextError(error)) {
    return new AppError(422, "VALIDATION_FAILED", "Validation failed", [nulDetail("(input)")]);
  }
  if (e.validation) {
    return new AppError(
      422,
      "VALIDATION_FAILED",
      "Validation failed",
      e.validation.map((v) => ({
        field: (v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".") || "(body)",
        message: v.message ?? "invalid",
      })),
    );
  }
  if (e instanceof SyntaxError || e.statusCode === 400)
    return new AppError(400, "BAD_REQUEST", e.message ?? "Bad request");
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(
      e.statusCode,
      e.statusCode === 429 ? "RATE_LIMITED" : "BAD_REQUEST",
      e.message ?? "Bad request",
    );
  }
  return new AppError(500, "INTERNAL", "Internal error");
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message, details: error.details } };
  return reply.code(error.status).headers(error.headers).send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request: FastifyRequest, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, "request failed");
    return sendError(reply, appError);
  });
}
