import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { DowntimesTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type DowntimeRow = Selectable<DowntimesTable>;

export interface DowntimeFilter {
  machineId?: string;
  lineId?: string;
  category?: string;
  reasonId?: string;
  ongoing?: boolean;
  /** Downtimes that overlap [from, to). */
  from?: string;
  to?: string;
  /** Keyset position: [start_datetime, id], newest first. */
  before?: [string, string];
}

export const downtimesRepo = {
  /** A downtime that has not been deleted. */
  findById(db: Queryable, id: string) {
    return db
      .selectFrom("downtimes")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("downtimes").selectAll().where("id", "in", ids).where("deleted_at", "is", null).execute();
  },

  /** The ongoing downtime of each of these machines, if any. */
  findOngoing(db: Queryable, machineIds: readonly string[]) {
    return db
      .selectFrom("downtimes")
      .selectAll()
      .where("machine_id", "in", machineIds)
      .where("end_datetime", "is", null)
      .where("deleted_at", "is", null)
      .execute();
  },

  /**
   * Downtimes of a machine that overlap [start, end) — end null meaning "still going" — other
   * than `exceptId`. Intervals that only touch do not overlap.
   */
  findOverlapping(db: Queryable, machineId: string, start: string, end: string | null, exceptId?: string) {
    let q = db
      .selectFrom("downtimes")
      .select(["id", "start_datetime", "end_datetime"])
      .where("machine_id", "=", machineId)
      .where("deleted_at", "is", null)
      .where((eb) => eb.or([eb("end_datetime", "is", null), eb("end_datetime", ">", start)]));
    if (end !== null) q = q.where("start_datetime", "<", end);
    if (exceptId) q = q.where("id", "<>", exceptId);
    return q.orderBy("start_datetime").limit(5).execute();
  },

  /** Ongoing downtimes by category, plant-wide. */
  async countOngoing(db: Queryable): Promise<Record<string, number>> {
    const rows = await db
      .selectFrom("downtimes")
      .select(["category", (eb) => eb.fn.countAll<number>().as("n")])
      .where("end_datetime", "is", null)
      .where("deleted_at", "is", null)
      .groupBy("category")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.category, Number(r.n)]));
  },

  async hasOngoingUnplanned(db: Queryable, machineId: string): Promise<boolean> {
    const row = await db
      .selectFrom("downtimes")
      .select("id")
      .where("machine_id", "=", machineId)
      .where("end_datetime", "is", null)
      .where("deleted_at", "is", null)
      .where("category", "=", "unplanned")
      .executeTakeFirst();
    return row !== undefined;
  },

  async insert(db: Queryable, row: Insertable<DowntimesTable>): Promise<void> {
    await db.insertInto("downtimes").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<DowntimesTable>): Promise<void> {
    await db.updateTable("downtimes").set(patch).where("id", "=", id).execute();
  },

  list(db: Queryable, filter: DowntimeFilter, limit: number) {
    let q = db.selectFrom("downtimes").selectAll().where("deleted_at", "is", null);
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.lineId) q = q.where("line_id", "=", filter.lineId);
    if (filter.category) q = q.where("category", "=", filter.category);
    if (filter.reasonId) q = q.where("reason_id", "=", filter.reasonId);
    if (filter.ongoing !== undefined) q = q.where("end_datetime", filter.ongoing ? "is" : "is not", null);
    if (filter.to) q = q.where("start_datetime", "<", filter.to);
    if (filter.from) {
      const from = filter.from;
      q = q.where((eb) => eb.or([eb("end_datetime", "is", null), eb("end_datetime", ">", from)]));
    }
    if (filter.before) {
      q = q.where(afterKey("start_datetime", filter.before, "desc"));
    }
    return q.orderBy("start_datetime", "desc").orderBy("id", "desc").limit(limit).execute();
  },
};
