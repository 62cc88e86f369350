import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/** The columns a downtime contributes to the plant's day totals through (its line does not matter there). */
const CONTRIBUTING = ["start_datetime", "end_datetime", "duration_minutes", "category", "reason_id", "deleted_at"];

/**
 * Analytics performance (issue 9, docs/analytics.md "Pre-aggregation"):
 * - `downtime_plant_day_totals`: the day totals of migration 0006 summed over the lines. A plant
 *   series over a year read and grouped every line's day (20 lines × 365 days × reasons, some
 *   hundred thousand rows on a large plant); this holds one row per day, category and reason.
 *   Kept by triggers like 0006's, in the writing transaction of every change to `downtimes`.
 * - `downtimes_midnight_cover_idx` replaces 0012's `downtimes_midnight_idx` with the same
 *   condition, now covering every column the series read of those rows (and the line), so the
 *   tens of thousands of midnight-crossing downtimes of a plant-year are read from the index.
 * - `failure_reports_occurred_cover_idx` replaces 0007's `failure_reports_occurred_idx`: the
 *   same order, with the code, severity and tool that failure trends group a year's reports by.
 */
export function plantSeries(dialect: DialectName) {
  const t = columnTypes(dialect);
  const pg = dialect === "postgres";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      let table = db.schema
        .createTable("downtime_plant_day_totals")
        .addColumn("bucket", t.text, (c) => c.notNull()) // YYYY-MM-DD (UTC) the downtime started
        .addColumn("category", t.text, (c) => c.notNull())
        .addColumn("reason_key", t.text, (c) => c.notNull()) // '' for no reason, as in 0006
        .addColumn("minutes", t.real, (c) => c.notNull())
        .addColumn("count", t.integer, (c) => c.notNull())
        .addPrimaryKeyConstraint("downtime_plant_day_totals_pkey", ["bucket", "category", "reason_key"]);
      // SQLite: the rows live in the key's b-tree, so a range of days is read without lookups.
      if (!pg) table = table.modifyEnd(sql`without rowid`);
      await table.execute();
      await backfillPlantDayTotals(db, dialect);
      if (pg) await createPostgresTrigger(db);
      else await createSqliteTriggers(db);

      await sql`drop index downtimes_midnight_idx`.execute(db);
      const crosses = pg
        ? sql`date_trunc('day', start_datetime at time zone 'UTC') <> date_trunc('day', end_datetime at time zone 'UTC')`
        : sql`substr(start_datetime, 1, 10) <> substr(end_datetime, 1, 10)`;
      await sql`create index downtimes_midnight_cover_idx on downtimes
        (start_datetime, line_id, end_datetime, duration_minutes, category, reason_id, deleted_at) where ${crosses}`.execute(
        db,
      );

      await db.schema.dropIndex("failure_reports_occurred_idx").execute();
      await db.schema
        .createIndex("failure_reports_occurred_cover_idx")
        .on("failure_reports")
        .columns(["occurred_at", "failure_code_id", "severity", "tool_id"])
        .execute();
    },
  };
}

/** Rebuilds the plant's day totals from the rows (the migration's first fill; tests check the triggers with it). */
export async function backfillPlantDayTotals<DB>(db: Kysely<DB>, dialect: DialectName): Promise<void> {
  const day =
    dialect === "postgres"
      ? sql`to_char(start_datetime at time zone 'UTC', 'YYYY-MM-DD')`
      : sql`substr(start_datetime, 1, 10)`;
  await sql`delete from downtime_plant_day_totals`.execute(db);
  await sql`insert into downtime_plant_day_totals (bucket, category, reason_key, minutes, count)
    select ${day}, category, coalesce(reason_id, ''), sum(duration_minutes), count(*)
    from downtimes where end_datetime is not null and deleted_at is null
    group by 1, 2, 3`.execute(db);
}

/** SQLite: one trigger per event, as 0006 (an update that changes nothing counted touches nothing). */
async function createSqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const apply = (row: "new" | "old", sign: 1 | -1) => `
    insert into downtime_plant_day_totals (bucket, category, reason_key, minutes, count)
      select substr(${row}.start_datetime, 1, 10), ${row}.category, coalesce(${row}.reason_id, ''),
             ${sign} * ${row}.duration_minutes, ${sign}
      where ${row}.end_datetime is not null and ${row}.deleted_at is null
      on conflict (bucket, category, reason_key)
      do update set minutes = minutes + excluded.minutes, count = count + excluded.count;`;
  const changed = CONTRIBUTING.map((c) => `old.${c} is not new.${c}`).join(" or ");
  await sql
    .raw(`create trigger downtimes_plant_totals_insert after insert on downtimes begin ${apply("new", 1)} end`)
    .execute(db);
  await sql
    .raw(`create trigger downtimes_plant_totals_delete after delete on downtimes begin ${apply("old", -1)} end`)
    .execute(db);
  await sql
    .raw(
      `create trigger downtimes_plant_totals_update after update on downtimes when ${changed}
       begin ${apply("old", -1)} ${apply("new", 1)} end`,
    )
    .execute(db);
}

/** PostgreSQL: one row-level trigger function for the three events, as 0006. */
async function createPostgresTrigger(db: Kysely<unknown>): Promise<void> {
  const apply = (row: "new" | "old", sign: 1 | -1) => `
    insert into downtime_plant_day_totals (bucket, category, reason_key, minutes, count)
    values (to_char(${row}.start_datetime at time zone 'UTC', 'YYYY-MM-DD'), ${row}.category,
            coalesce(${row}.reason_id, ''), ${sign} * ${row}.duration_minutes, ${sign})
    on conflict (bucket, category, reason_key)
    do update set minutes = downtime_plant_day_totals.minutes + excluded.minutes,
                  count = downtime_plant_day_totals.count + excluded.count;`;
  const counted = (row: "new" | "old") => `${row}.end_datetime is not null and ${row}.deleted_at is null`;
  const changed = CONTRIBUTING.map((c) => `old.${c} is distinct from new.${c}`).join(" or ");
  await sql
    .raw(
      `create function downtimes_plant_totals_apply() returns trigger language plpgsql as $$
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
      `create trigger downtimes_plant_totals after insert or update or delete on downtimes
       for each row execute function downtimes_plant_totals_apply()`,
    )
    .execute(db);
}
