import type { Db } from "./index.ts";

export interface LiveTable {
  name: string;
  columns: string[];
}

/**
 * HOM's tables as the database has them now, with their column names, sorted by name: for code
 * that must cover tables later migrations add (the privacy export, retention's optional kinds,
 * the tests' database fingerprints). Read through Kysely's introspection, which on PostgreSQL is
 * the schema-scoped one (postgres-introspector.ts), so another schema's tables never appear and
 * another process dropping its schema cannot fail the read. Views are left out; Kysely's own
 * migration tables only when asked for.
 */
export async function liveTables(db: Db, options: { withMigrationTables?: boolean } = {}): Promise<LiveTable[]> {
  const tables = await db.kysely.introspection.getTables({
    withInternalKyselyTables: options.withMigrationTables ?? false,
  });
  return tables
    .filter((t) => !t.isView)
    .map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
