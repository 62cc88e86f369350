import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { RepairsTable } from "../../db/schema.ts";
import { containsIgnoringCase } from "../../db/sql.ts";
import { afterKey } from "../../db/pagination.ts";

export type RepairRow = Selectable<RepairsTable>;

export interface RepairFilter {
  machineId?: string;
  lineId?: string;
  status?: string;
  kind?: string;
  q?: string;
  /** Repairs whose [start, end] overlaps [from, to). */
  from?: string;
  to?: string;
  /** Keyset position: [start_datetime, id], newest first. */
  before?: [string, string];
}

export const repairsRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("repairs").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("repairs").selectAll().where("id", "in", ids).execute();
  },

  async insert(db: Queryable, row: Insertable<RepairsTable>): Promise<void> {
    await db.insertInto("repairs").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<RepairsTable>): Promise<void> {
    await db.updateTable("repairs").set(patch).where("id", "=", id).execute();
  },

  list(db: Queryable, filter: RepairFilter, limit: number) {
    let q = db.selectFrom("repairs").selectAll();
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.lineId) q = q.where("line_id", "=", filter.lineId);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    if (filter.q)
      q = q.where(containsIgnoringCase(["title", "description", "cause", "actions_taken", "parts_used"], filter.q));
    if (filter.to) q = q.where("start_datetime", "<", filter.to);
    if (filter.from) {
      const from = filter.from;
      q = q.where((eb) => eb.or([eb("end_datetime", "is", null), eb("end_datetime", ">=", from)]));
    }
    if (filter.before) {
      q = q.where(afterKey("start_datetime", filter.before, "desc"));
    }
    return q.orderBy("start_datetime", "desc").orderBy("id", "desc").limit(limit).execute();
  },
};
