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

/**
 * Another writer holds the database longer than the busy timeout (SQLite: a backup tool, a
 * second process on the file; PostgreSQL: lock_timeout). Nothing was written: try again.
 */
export function isDatabaseBusy(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === "SQLITE_BUSY" ||
    code === "SQLITE_BUSY_SNAPSHOT" ||
    code === "SQLITE_BUSY_TIMEOUT" ||
    code === "SQLITE_LOCKED" ||
    code === "55P03"
  );
}

/** The disk under the database or the photo store is full (SQLite, PostgreSQL, the file system). */
export function isStorageFull(error: unknown): boolean {
  const code = errorCode(error);
  return code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT" || code === "53100";
}

/** Errors of the database or the disk that are not HOM's bug and have an answer of their own. */
export function isKnownInfrastructureError(error: unknown): boolean {
  return isNulInTextError(error) || isDatabaseBusy(error) || isStorageFull(error);
}
