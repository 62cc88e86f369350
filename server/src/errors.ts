import type { ZodError } from "zod";

/** One field-level problem, as reported in `error.details`. */
export interface ErrorDetail {
  field: string;
  message: string;
  code?: string;
}

/**
 * The one error model (SPEC §1). Services throw these; REST turns them into
 * `{ error: { code, message, details } }` with `status`, GraphQL into `extensions.code`.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: ErrorDetail[] = [],
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AppError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) =>
  new AppError(400, "BAD_REQUEST", message, details);
export const unauthenticated = (message = "Authentication required") => new AppError(401, "UNAUTHENTICATED", message);
export const forbidden = (message = "You do not have permission to do this") => new AppError(403, "FORBIDDEN", message);
export const notFound = (what: string) => new AppError(404, "NOT_FOUND", `${what} not found`);
export const conflict = (message: string, details: ErrorDetail[] = []) =>
  new AppError(409, "CONFLICT", message, details);
export const validationFailed = (details: ErrorDetail[], message = "Validation failed") =>
  new AppError(422, "VALIDATION_FAILED", message, details);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError(429, "RATE_LIMITED", message, [], { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) });

export function fromZodError(error: ZodError): AppError {
  const details = error.issues.flatMap((issue): ErrorDetail[] => {
    const base = issue.path.map(String).join(".");
    // Unknown keys are reported once per key so the client sees each offending field.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: base ? `${base}.${key}` : key,
        message: "Unknown field",
        code: "unknown_field",
      }));
    }
    // A custom check may name its own code (e.g. `password_too_common`) in `params.code`.
    const custom = issue.code === "custom" ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
    return [
      { field: base || "(body)", message: issue.message, code: typeof custom === "string" ? custom : issue.code },
    ];
  });
  return validationFailed(details);
}

/** GraphQL `extensions.code` for each HTTP status of the error model. */
export function graphqlCode(status: number): string {
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 429) return "RATE_LIMITED";
  if (status >= 400 && status < 500) return "BAD_USER_INPUT";
  if (status === 503) return "SERVICE_UNAVAILABLE";
  if (status === 507) return "INSUFFICIENT_STORAGE";
  return "INTERNAL_SERVER_ERROR";
}
