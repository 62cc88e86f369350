import {
  PostgresDialect,
  PostgresDriver,
  PostgresIntrospector,
  sql,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Driver,
  type DatabaseMetadataOptions,
  type Kysely,
  type PostgresDialectConfig,
  type SchemaMetadata,
  type TableMetadata,
} from "kysely";

/**
 * Kysely's PostgreSQL introspection (which its Migrator uses to see whether `kysely_migration`
 * exists) reads the catalogue of EVERY schema and calls `has_schema_privilege(name)` on each.
 * When another process drops its own schema at that moment — parallel test runs, a restore —
 * the call fails with `schema "…" does not exist` and our migration fails for someone else's
 * drop. HOM only ever needs its own schema, so this introspector looks at that one alone
 * (`current_schema()` when none is configured), with plain catalogue joins and no per-schema calls.
 * `onCommit` is told of every committed transaction (db/write-counter.ts).
 */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  readonly #schema: string | undefined;
  readonly #onCommit: () => void;

  constructor(config: PostgresDialectConfig, schema: string | undefined, onCommit: () => void = () => {}) {
    super(config);
    this.#config = config;
    this.#schema = schema;
    this.#onCommit = onCommit;
  }

  override createDriver(): Driver {
    return new CommitReportingDriver(this.#config, this.#onCommit);
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.#schema);
  }
}

class CommitReportingDriver extends PostgresDriver {
  readonly #onCommit: () => void;

  constructor(config: PostgresDialectConfig, onCommit: () => void) {
    super(config);
    this.#onCommit = onCommit;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      // Also when the commit failed: whether anything was committed is then unknown.
      this.#onCommit();
    }
  }
}

class SchemaScopedIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #schema: string | undefined;
  readonly #schemas: PostgresIntrospector;

  constructor(db: Kysely<unknown>, schema: string | undefined) {
    this.#db = db;
    this.#schema = schema;
    this.#schemas = new PostgresIntrospector(db); // its getSchemas reads pg_namespace only: safe
  }

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.#schemas.getSchemas();
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const schema = this.#schema === undefined ? sql`current_schema()` : sql`${this.#schema}`;
    const { rows } = await sql<{
      schema: string;
      table: string;
      kind: string;
      column: string;
      type: string;
      not_null: boolean;
      has_default: boolean;
      identity: string;
    }>`
      select ns.nspname as schema, c.relname as table, c.relkind as kind, a.attname as column,
             t.typname as type, a.attnotnull as not_null, a.atthasdef as has_default, a.attidentity as identity
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      join pg_catalog.pg_type t on t.oid = a.atttypid
      where ns.nspname = ${schema} and c.relkind in ('r', 'v', 'p', 'f')
      order by c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      if (!options.withInternalKyselyTables && row.table.startsWith("kysely_migration")) continue;
      let table = tables.get(row.table);
      if (table === undefined) {
        table = {
          name: row.table,
          schema: row.schema,
          isView: row.kind === "v",
          isForeign: row.kind === "f",
          columns: [],
        };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        isNullable: !row.not_null,
        isAutoIncrementing: row.identity !== "",
        hasDefaultValue: row.has_default,
      });
    }
    return [...tables.values()];
  }
}
