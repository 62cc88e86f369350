import type { Insertable, Selectable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { AnalyticsReportsTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type ReportRow = Selectable<AnalyticsReportsTable>;
/** Everything but the PDF itself: lists and status reads never carry the bytes. */
const META = [
  "id",
  "kind",
  "title",
  "period_from",
  "period_to",
  "line_id",
  "status",
  "error",
  "size_bytes",
  "pages",
  "schedule_key",
  "requested_by",
  "created_at",
  "started_at",
  "finished_at",
] as const;
export type ReportMeta = Pick<ReportRow, (typeof META)[number]>;

export const reportsRepo = {
  async insert(db: Queryable, row: Insertable<AnalyticsReportsTable>): Promise<void> {
    await db.insertInto("analytics_reports").values(row).execute();
  },

  /** Inserts a scheduled report unless its run exists; true when this call inserted it. */
  async insertScheduled(db: Queryable, row: Insertable<AnalyticsReportsTable>): Promise<boolean> {
    const result = await db
      .insertInto("analytics_reports")
      .values(row)
      .onConflict((oc) => oc.column("schedule_key").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  meta(db: Queryable, id: string): Promise<ReportMeta | undefined> {
    return db.selectFrom("analytics_reports").select(META).where("id", "=", id).executeTakeFirst();
  },

  async content(db: Queryable, id: string): Promise<Buffer | undefined> {
    const row = await db.selectFrom("analytics_reports").select("content").where("id", "=", id).executeTakeFirst();
    return row?.content ? Buffer.from(row.content) : undefined;
  },

  list(db: Queryable, limit: number, after: unknown[] | null) {
    let q = db.selectFrom("analytics_reports").select(META);
    if (after) q = q.where(afterKey("created_at", after as [unknown, string], "desc"));
    return q
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit + 1)
      .execute();
  },

  /** Takes a queued report for generation: of two instances, one wins. */
  async claim(db: Queryable, id: string, now: string): Promise<boolean> {
    const result = await db
      .updateTable("analytics_reports")
      .set({ status: "running", started_at: now })
      .where("id", "=", id)
      .where("status", "=", "queued")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Queued reports, and running ones whose generator died (started before `staleBefore`), requeued. */
  async pending(db: Queryable, staleBefore: string): Promise<string[]> {
    await db
      .updateTable("analytics_reports")
      .set({ status: "queued" })
      .where("status", "=", "running")
      .where("started_at", "<", staleBefore)
      .execute();
    const rows = await db
      .selectFrom("analytics_reports")
      .select("id")
      .where("status", "=", "queued")
      .orderBy("created_at")
      .limit(20)
      .execute();
    return rows.map((r) => r.id);
  },

  async finish(
    db: Queryable,
    id: string,
    result: { content: Buffer; pages: number } | { error: string },
    now: string,
  ): Promise<void> {
    await db
      .updateTable("analytics_reports")
      .set(
        "error" in result
          ? { status: "failed", error: result.error.slice(0, 1000), finished_at: now }
          : {
              status: "ok",
              content: result.content,
              size_bytes: result.content.length,
              pages: result.pages,
              finished_at: now,
            },
      )
      .where("id", "=", id)
      .execute();
  },
};
