import { sql, type RawBuilder } from "kysely";
import type { DialectName } from "./index.ts";

/**
 * Column types that differ between the dialects. Migrations use these so the two
 * databases end up with the same tables, columns, keys and indexes.
 */
export function columnTypes(dialect: DialectName) {
  const pg = dialect === "postgres";
  return {
    id: sql`text`,
    text: sql`text`,
    timestamp: pg ? sql`timestamptz` : sql`text`,
    boolean: pg ? sql`boolean` : sql`integer`,
    integer: sql`integer`,
    bigint: sql`bigint`,
    /** Minutes and other measured quantities: a binary double on both. */
    real: pg ? sql`double precision` : sql`real`,
    /** Money: exact decimals on PostgreSQL; SQLite has no decimal type, its REAL keeps cents exact at plant scale. */
    money: pg ? sql`numeric(14, 2)` : sql`real`,
    json: sql`text`,
    true: sql`true`,
    false: sql`false`,
  } satisfies Record<string, RawBuilder<unknown>>;
}
