import type { Kysely } from "kysely";

/**
 * Indexes for KPI periods over large histories (bench/kpis.ts, docs/benchmarks.md):
 * - covering indexes by start (plant) and by line and start, so a period's downtimes are read
 *   from the index alone; they replace the plain start indexes of 0002;
 * - the longest duration, which bounds how far before a period a downtime reaching into it
 *   can have started.
 */
export function kpiIndexes() {
  const covered = ["start_datetime", "end_datetime", "category", "reason_id", "duration_minutes", "deleted_at"];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex("downtimes_start_cover_idx").on("downtimes").columns(covered).execute();
      await db.schema
        .createIndex("downtimes_line_start_cover_idx")
        .on("downtimes")
        .columns(["line_id", ...covered])
        .execute();
      await db.schema.dropIndex("downtimes_start_idx").execute();
      await db.schema.dropIndex("downtimes_line_start_idx").execute();
      await db.schema.createIndex("downtimes_duration_idx").on("downtimes").column("duration_minutes").execute();
    },
  };
}
