import { sql, type Insertable, type Selectable, type Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { MaintenancePlansTable } from "../../db/schema.ts";

export type PlanRow = Selectable<MaintenancePlansTable>;

export const plansRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("maintenance_plans").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** Plans of one tool or machine, of many tools at once (GraphQL batches), or all of them. */
  listFor(db: Queryable, owner: { toolIds?: readonly string[]; machineId?: string }, includeInactive: boolean) {
    let q = db.selectFrom("maintenance_plans").selectAll();
    if (owner.toolIds) q = q.where("tool_id", "in", owner.toolIds);
    if (owner.machineId) q = q.where("machine_id", "=", owner.machineId);
    if (!includeInactive) q = q.where("active", "=", true);
    return q.orderBy("name").orderBy("id").execute();
  },

  async insert(db: Queryable, row: Insertable<MaintenancePlansTable>): Promise<void> {
    await db.insertInto("maintenance_plans").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<MaintenancePlansTable>): Promise<void> {
    await db.updateTable("maintenance_plans").set(patch).where("id", "=", id).execute();
  },

  /** Shots per tool recorded since `since`: the recent rate behind forecasts. */
  async shotsSince(db: Queryable, toolIds: readonly string[], since: string): Promise<Map<string, number>> {
    if (toolIds.length === 0) return new Map();
    const rows = await db
      .selectFrom("shot_entries")
      .select(["tool_id", (eb) => eb.fn.sum<number>("delta").as("shots")])
      .where("tool_id", "in", toolIds)
      .where("recorded_at", ">=", since)
      .groupBy("tool_id")
      .execute();
    return new Map(rows.map((r) => [r.tool_id, Number(r.shots ?? 0)]));
  },

  /**
   * Locks a plan while it is still in the interval that began at `lastDoneAt`: an automatic
   * action opens for the interval the plan is in, never for one a reset just ended.
   */
  async lockIfCycle(db: Queryable, id: string, lastDoneAt: string): Promise<boolean> {
    const result = await sql`update maintenance_plans set updated_at = updated_at
      where id = ${id} and active = ${true} and last_done_at = ${lastDoneAt}`.execute(db);
    return Number(result.numAffectedRows ?? 0) > 0;
  },
};
