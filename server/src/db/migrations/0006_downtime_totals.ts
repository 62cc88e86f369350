import { sql, type Kysely, type RawBuilder } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/** The two granularities of the pre-aggregated downtime totals, and how a start time names its bucket. */
export const TOTALS_TABLES = [
  { table: "downtime_day_totals", chars: 10 }, // YYYY-MM-DD (UTC)
  { table: "downtime_month_totals", chars: 7 }, // YYYY-MM (UTC)
] as const;

/** The columns a downtime contributes through: any change to one of them moves its minutes. */
const CONTRIBUTING = [
  "start_datetime",
  "end_datetime",
  "duration_minutes",
  "category",
  "reason_id",
  "line_id",
  "deleted_at",
];

/**
 * Pre-aggregated downtime totals for plant and line KPIs over long periods (docs/kpis.md,
 * "How long periods are computed"). Every finished, not deleted downtime adds its stored
 * minutes and a count of one to the day and the month (UTC) it started in, keyed by line,
 * category and reason. Database triggers keep the totals in step with every write to
 * `downtimes` — from the services, imports, retention or restore alike — inside the writing
 * transaction, so the totals can never disagree with the rows they summarise.
 */
export function downtimeTotals(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const { table } of TOTALS_TABLES) {
        await db.schema
          .createTable(table)
          .addColumn("bucket", t.text, (c) => c.notNull())
          .addColumn("line_id", t.id, (c) => c.notNull())
          .addColumn("category", t.text, (c) => c.notNull())
          // '' for "no reason": a primary key column cannot be null, and upserts need a key.
          .addColumn("reason_key", t.text, (c) => c.notNull())
          .addColumn("minutes", t.real, (c) => c.notNull())
          .addColumn("count", t.integer, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pkey`, ["bucket", "line_id", "category", "reason_key"])
          .execute();
        await db.schema
          .createIndex(`${table}_line_idx`)
          .on(table)
          .columns(["line_id", "bucket", "category", "reason_key", "minutes", "count"])
          .execute();
      }
      await backfillDowntimeTotals(db, dialect);
      if (dialect === "postgres") await createPostgresTriggers(db);
      else await createSqliteTriggers(db);
    },
  };
}

/** The bucket a start time falls in, as text. */
function bucketOf(dialect: DialectName, start: RawBuilder<unknown>, chars: number): RawBuilder<string> {
  return dialect === "postgres"
    ? sql<string>`to_char(${start} at time zone 'UTC', ${chars === 10 ? "YYYY-MM-DD" : "YYYY-MM"})`
    : sql<string>`substr(${start}, 1, ${sql.lit(chars)})`;
}

/** Rebuilds every total from the rows (the migration's first fill; tests use it to check the triggers). */
export async function backfillDowntimeTotals<DB>(db: Kysely<DB>, dialect: DialectName): Promise<void> {
  for (const { table, chars } of TOTALS_TABLES) {
    await sql`delete from ${sql.table(table)}`.execute(db);
    const bucket = bucketOf(dialect, sql.ref("start_datetime"), chars);
    await sql`insert into ${sql.table(table)} (bucket, line_id, category, reason_key, minutes, count)
      select ${bucket}, line_id, category, coalesce(reason_id, ''), sum(duration_minutes), count(*)
      from downtimes where end_datetime is not null and deleted_at is null
      group by 1, 2, 3, 4`.execute(db);
  }
}

/**
 * SQLite: one trigger per event. An update that changes a contributing column takes the old
 * row's contribution away and adds the new one's; other updates (a note) touch nothing.
 */
async function createSqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const counted = (row: "new" | "old") => `${row}.end_datetime is not null and ${row}.deleted_at is null`;
  const apply = (row: "new" | "old", sign: 1 | -1) =>
    TOTALS_TABLES.map(
      ({ table, chars }) => `
      insert into ${table} (bucket, line_id, category, reason_key, minutes, count)
        select substr(${row}.start_datetime, 1, ${chars}), ${row}.line_id, ${row}.category,
               coalesce(${row}.reason_id, ''), ${sign} * ${row}.duration_minutes, ${sign}
        where ${counted(row)}
        on conflict (bucket, line_id, category, reason_key)
        do update set minutes = minutes + excluded.minutes, count = count + excluded.count;`,
    ).join("");
  const changed = CONTRIBUTING.map((c) => `old.${c} is not new.${c}`).join(" or ");
  await sql
    .raw(`create trigger downtimes_totals_insert after insert on downtimes begin ${apply("new", 1)} end`)
    .execute(db);
  await sql
    .raw(`create trigger downtimes_totals_delete after delete on downtimes begin ${apply("old", -1)} end`)
    .execute(db);
  await sql
    .raw(
      `create trigger downtimes_totals_update after update on downtimes when ${changed}
       begin ${apply("old", -1)} ${apply("new", 1)} end`,
    )
    .execute(db);
}

/** PostgreSQL: one row-level trigger function for all three events. */
async function createPostgresTriggers(db: Kysely<unknown>): Promise<void> {
  const apply = (row: "new" | "old", sign: 1 | -1) =>
    TOTALS_TABLES.map(
      ({ table, chars }) => `
        insert into ${table} (bucket, line_id, category, reason_key, minutes, count)
        values (to_char(${row}.start_datetime at time zone 'UTC', '${chars === 10 ? "YYYY-MM-DD" : "YYYY-MM"}'),
                ${row}.line_id, ${row}.category, coalesce(${row}.reason_id, ''), ${sign} * ${row}.duration_minutes, ${sign})
        on conflict (bucket, line_id, category, reason_key)
        do update set minutes = ${table}.minutes + excluded.minutes, count = ${table}.count + excluded.count;`,
    ).join("");
  const counted = (row: "new" | "old") => `${row}.end_datetime is not null and ${row}.deleted_at is null`;
  const changed = CONTRIBUTING.map((c) => `old.${c} is distinct from new.${c}`).join(" or ");
  await sql
    .raw(
      `create function downtimes_totals_apply() returns trigger language plpgsql as $$
       begin
         if tg_op = 'UPDATE' and not (${changed}) then return null; end if;
         if tg_op in ('UPDATE', 'DELETE') and ${counted("old")} then ${apply("old", -1)} end if;
         if tg_op in ('UPDATE', 'INSERT') and ${counted("new")} then ${apply("new", 1)} end if;
         return null;
       end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger downtimes_totals after insert or update or delete on downtimes
       for each row execute function downtimes_totals_apply()`,
    )
    .execute(db);
}
