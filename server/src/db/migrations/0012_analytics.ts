import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/**
 * Analytics and reports (issue 9, docs/analytics.md):
 * - `tool_shot_day_totals`: accepted shots per tool and UTC day, kept in the shots' write
 *   transaction (modules/shots/repo.ts), so tool utilisation and failures per 100 k shots read
 *   a few hundred rows instead of millions of shot entries;
 * - `downtimes_midnight_idx`: a partial index of the downtimes that cross a UTC midnight. The
 *   series over time read whole days from the day totals (migration 0006), which put a downtime
 *   on the day it started; only these rows need splitting across days;
 * - `analytics_reports`: PDF reports generated in the background, kept with their status;
 * - `email_outbox.attachment_report_id`: a mail that carries a report as its attachment.
 * The weekly report schedule is a setting (`reports.weekly`), not a table.
 */
export function analytics(dialect: DialectName) {
  const t = columnTypes(dialect);
  const pg = dialect === "postgres";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("tool_shot_day_totals")
        .addColumn("tool_id", t.id, (c) => c.notNull())
        .addColumn("day", t.text, (c) => c.notNull()) // YYYY-MM-DD (UTC) of recorded_at
        .addColumn("shots", t.bigint, (c) => c.notNull())
        .addColumn("entries", t.integer, (c) => c.notNull())
        .addPrimaryKeyConstraint("tool_shot_day_totals_pkey", ["tool_id", "day"])
        .execute();
      await db.schema.createIndex("tool_shot_day_totals_day_idx").on("tool_shot_day_totals").columns(["day"]).execute();
      const day = pg ? sql`to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD')` : sql`substr(recorded_at, 1, 10)`;
      await sql`insert into tool_shot_day_totals (tool_id, day, shots, entries)
        select tool_id, ${day}, sum(delta), count(*) from shot_entries group by 1, 2`.execute(db);

      const crosses = pg
        ? sql`date_trunc('day', start_datetime at time zone 'UTC') <> date_trunc('day', end_datetime at time zone 'UTC')`
        : sql`substr(start_datetime, 1, 10) <> substr(end_datetime, 1, 10)`;
      await sql`create index downtimes_midnight_idx on downtimes (start_datetime) where ${crosses}`.execute(db);
      await db.schema
        .createTable("analytics_reports")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("kind", t.text, (c) => c.notNull()) // period | weekly
        .addColumn("title", t.text, (c) => c.notNull())
        .addColumn("period_from", t.timestamp, (c) => c.notNull())
        .addColumn("period_to", t.timestamp, (c) => c.notNull())
        .addColumn("line_id", t.id)
        .addColumn("status", t.text, (c) => c.notNull()) // queued | running | ok | failed
        .addColumn("error", t.text)
        .addColumn("content", pg ? sql`bytea` : sql`blob`)
        .addColumn("size_bytes", t.integer)
        .addColumn("pages", t.integer)
        // A scheduled report's run (`weekly:2026-W12`): one report per week whichever instance runs it.
        .addColumn("schedule_key", t.text, (c) => c.unique())
        .addColumn("requested_by", t.id)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("started_at", t.timestamp)
        .addColumn("finished_at", t.timestamp)
        .execute();
      await db.schema
        .createIndex("analytics_reports_created_idx")
        .on("analytics_reports")
        .columns(["created_at", "id"])
        .execute();
      await db.schema.alterTable("email_outbox").addColumn("attachment_report_id", t.id).execute();
    },
  };
}
