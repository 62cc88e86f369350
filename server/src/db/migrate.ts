import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely/migration";
import { sql, type Kysely } from "kysely";
import type { Db } from "./index.ts";
import { foundation } from "./migrations/0001_foundation.ts";
import { machineHistory } from "./migrations/0002_machine_history.ts";
import { toolsAndShots } from "./migrations/0003_tools_and_shots.ts";
import { checklistsAndLogs } from "./migrations/0004_checklists_and_logs.ts";
import { kpiIndexes } from "./migrations/0005_kpi_indexes.ts";
import { downtimeTotals } from "./migrations/0006_downtime_totals.ts";
import { failuresAndActions } from "./migrations/0007_failures_and_actions.ts";
import { photos } from "./migrations/0008_photos.ts";
import { operations } from "./migrations/0009_operations.ts";
import { dataProtection } from "./migrations/0010_data_protection.ts";
import { keyRotation } from "./migrations/0011_key_rotation.ts";
import { analytics } from "./migrations/0012_analytics.ts";
import { plantSeries } from "./migrations/0013_plant_series.ts";

/**
 * The ordered list of migrations. Imported statically (not read from a folder) so that
 * the same list ships wherever the server runs. Append; never edit a released migration.
 */
function migrations(db: Db): Record<string, Migration> {
  return {
    "0001_foundation": foundation(db.dialect),
    "0002_machine_history": machineHistory(db.dialect),
    "0003_tools_and_shots": toolsAndShots(db.dialect),
    "0004_checklists_and_logs": checklistsAndLogs(db.dialect),
    "0005_kpi_indexes": kpiIndexes(),
    "0006_downtime_totals": downtimeTotals(db.dialect),
    "0007_failures_and_actions": failuresAndActions(db.dialect),
    "0008_photos": photos(db.dialect),
    "0009_operations": operations(db.dialect),
    "0010_data_protection": dataProtection(db.dialect),
    "0011_key_rotation": keyRotation(db.dialect),
    "0012_analytics": analytics(db.dialect),
    "0013_plant_series": plantSeries(db.dialect),
  };
}

function migrator(db: Db, kysely: Kysely<unknown> = db.kysely as Kysely<unknown>): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(db) };
  return new Migrator({ db: kysely, provider, migrationTableSchema: db.schema });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const result: MigrationResultSet =
    db.dialect === "postgres"
      ? // Requests give up on a lock after LOCK_WAIT_MS (db/index.ts); migrations must not: another
        // instance holds the migration lock for as long as its migrations take. So they run on
        // one connection without a lock timeout, which is put back before the pool reuses it.
        await db.kysely.connection().execute(async (connection) => {
          await sql`set lock_timeout = 0`.execute(connection);
          try {
            return await migrator(db, connection as Kysely<unknown>).migrateToLatest();
          } finally {
            await sql`reset lock_timeout`.execute(connection);
          }
        })
      : await migrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error");
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`Migration ${failed?.migrationName ?? "?"} failed: ${reason}`, {
      cause: result.error,
    });
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Names of migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** The newest migration's name: the schema version a backup records. */
export function latestMigration(): string {
  return Object.keys(migrations({ dialect: "sqlite" } as Db))
    .sort()
    .at(-1)!;
}
