import { sql, type Expression, type RawBuilder } from "kysely";
import type { DialectName } from "./index.ts";

/**
 * Scalar SQL that differs between the dialects, for queries that compute in the database.
 * Timestamps are ISO strings on SQLite (comparable as text, all in one format) and
 * `timestamptz` on PostgreSQL.
 */
export function dialectSql(dialect: DialectName) {
  const pg = dialect === "postgres";
  return {
    /** The earlier of two timestamps. */
    least: <T>(a: Expression<T>, b: Expression<T>): RawBuilder<T> =>
      pg ? sql`least(${a}, ${b})` : sql`min(${a}, ${b})`,
    /** The later of two timestamps. */
    greatest: <T>(a: Expression<T>, b: Expression<T>): RawBuilder<T> =>
      pg ? sql`greatest(${a}, ${b})` : sql`max(${a}, ${b})`,
    /** Minutes from `from` to `to` as a double. */
    minutesBetween: (from: Expression<unknown>, to: Expression<unknown>): RawBuilder<number> =>
      pg
        ? sql<number>`(extract(epoch from (${to} - ${from})) / 60.0)`
        : sql<number>`((julianday(${to}) - julianday(${from})) * 1440.0)`,
    /** A bound timestamp parameter (PostgreSQL needs the type to compare and subtract). */
    timestamp: (iso: string): RawBuilder<string> => (pg ? sql<string>`${iso}::timestamptz` : sql<string>`${iso}`),
  };
}

/** `lower(column) LIKE %q%` over several columns, with `%`, `_` and `\` in `q` taken literally. */
export function containsIgnoringCase(columns: string[], q: string): RawBuilder<boolean> {
  const pattern = `%${q.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  const tests = columns.map((column) => sql`lower(${sql.ref(column)}) like ${pattern} escape '\\'`);
  return sql<boolean>`(${sql.join(tests, sql` or `)})`;
}
