/** Database errors the services turn into 409s, recognised on both dialects. */

export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

function errorCode(error: unknown): unknown {
  return error instanceof Error ? (error as { code?: unknown }).code : undefined;
}

/**
 * PostgreSQL refuses a NUL character in text ("invalid byte sequence for encoding UTF8: 0x00").
 * Inputs are checked for them before SQL runs (validate.ts); this catches an id passed straight
 * to a lookup, so the request gets a 422 rather than a 500.
 */
export function isNulInTextError(error: unknown): boolean {
  return errorCode(error) === "22021";
}
