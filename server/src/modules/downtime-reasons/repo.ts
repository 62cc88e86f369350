import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { DowntimeReasonsTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type DowntimeReasonRow = Selectable<DowntimeReasonsTable>;

export const downtimeReasonsRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("downtime_reasons").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** The whole catalogue: a few dozen rows. */
  all(db: Queryable) {
    return db.selectFrom("downtime_reasons").selectAll().execute();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("downtime_reasons").selectAll().where("id", "in", ids).execute();
  },

  async insert(db: Queryable, row: Insertable<DowntimeReasonsTable>): Promise<void> {
    await db.insertInto("downtime_reasons").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<DowntimeReasonsTable>): Promise<void> {
    await db.updateTable("downtime_reasons").set(patch).where("id", "=", id).execute();
  },

  /** The tree in display order: [sort_order, id] keyset. */
  list(
    db: Queryable,
    filter: { category?: string; parentId?: string | null; includeInactive: boolean; after?: [number, string] },
    limit: number,
  ) {
    let q = db.selectFrom("downtime_reasons").selectAll();
    if (!filter.includeInactive) q = q.where("active", "=", true);
    if (filter.category) q = q.where("category", "=", filter.category);
    if (filter.parentId === null) q = q.where("parent_id", "is", null);
    else if (filter.parentId !== undefined) q = q.where("parent_id", "=", filter.parentId);
    if (filter.after) {
      q = q.where(afterKey("sort_order", filter.after, "asc"));
    }
    return q.orderBy("sort_order").orderBy("id").limit(limit).execute();
  },

  async nextSortOrder(db: Queryable): Promise<number> {
    const row = await db
      .selectFrom("downtime_reasons")
      .select((eb) => eb.fn.max("sort_order").as("max"))
      .executeTakeFirst();
    return Number(row?.max ?? 0) + 10;
  },
};
