import { sql, type RawBuilder, type SqlBool } from "kysely";
import { z } from "zod";
import { validationFailed } from "../errors.ts";

/** `?limit=` (default 50, max 500) and `&cursor=`, shared by every list (SPEC §1). */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Cursors are opaque to clients: base64url JSON of the sort key of the last row. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(key) && key.length === length) return key;
  } catch {
    // fall through
  }
  throw validationFailed([{ field: "cursor", message: "Invalid cursor", code: "invalid_cursor" }]);
}

/** Rows were fetched with `limit + 1`: the extra row only says whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => unknown[], map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const page: Page<T> = {
    items: items.map(map),
    next_cursor: more && items.length > 0 ? encodeCursor(keyOf(items[items.length - 1])) : null,
  };
  // GraphQL connections need a cursor per edge; REST does not show them (not enumerable), so
  // they are made only when asked for.
  let cursors: string[] | undefined;
  Object.defineProperty(page, "cursors", {
    get: () => (cursors ??= items.map((row) => encodeCursor(keyOf(row)))),
    enumerable: false,
  });
  return page;
}

/** The per-item cursors of a page made by `toPage`. */
export function cursorsOf(page: Page<unknown>): string[] {
  return (page as Page<unknown> & { cursors?: string[] }).cursors ?? [];
}

/**
 * The keyset condition of a list sorted by `column` then id: the rows after `key` (the sort key
 * of the last row of the previous page), ascending or newest first.
 */
export function afterKey(
  column: string,
  [value, id]: readonly [unknown, string],
  order: "asc" | "desc",
  idColumn = "id",
): RawBuilder<SqlBool> {
  const past = order === "asc" ? sql`>` : sql`<`;
  const sortColumn = sql.ref(column);
  return sql<SqlBool>`(${sortColumn} ${past} ${value} or (${sortColumn} = ${value} and ${sql.ref(idColumn)} ${past} ${id}))`;
}
