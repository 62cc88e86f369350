import type { Insertable, Selectable, Updateable } from "kysely";
import { lockRow, type Queryable } from "../../db/index.ts";
import type { MaintenanceActionRequestsTable, MaintenanceLogsTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type MaintenanceLogRow = Selectable<MaintenanceLogsTable>;
export type ActionRequestRow = Selectable<MaintenanceActionRequestsTable>;

export interface LogFilter {
  toolId?: string;
  machineId?: string;
  planId?: string;
  status?: string;
  kind?: string;
  /** Logs performed in [from, to). */
  from?: string;
  to?: string;
  /** Keyset position: [performed_at, id], newest first. */
  before?: [string, string];
}

export const maintenanceLogsRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("maintenance_logs").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("maintenance_logs").selectAll().where("id", "in", ids).execute();
  },

  /** Reads a log, locking its row: a sign-off and an edit cannot cross. */
  async lockById(db: Queryable, id: string) {
    return (await lockRow(db, "maintenance_logs", id)) ? maintenanceLogsRepo.findById(db, id) : undefined;
  },

  async insert(db: Queryable, row: Insertable<MaintenanceLogsTable>): Promise<void> {
    await db.insertInto("maintenance_logs").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<MaintenanceLogsTable>): Promise<void> {
    await db.updateTable("maintenance_logs").set(patch).where("id", "=", id).execute();
  },

  list(db: Queryable, filter: LogFilter, limit: number) {
    let q = db.selectFrom("maintenance_logs").selectAll();
    if (filter.toolId) q = q.where("tool_id", "=", filter.toolId);
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.planId) q = q.where("plan_id", "=", filter.planId);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    if (filter.from) q = q.where("performed_at", ">=", filter.from);
    if (filter.to) q = q.where("performed_at", "<", filter.to);
    if (filter.before) {
      q = q.where(afterKey("performed_at", filter.before, "desc"));
    }
    return q.orderBy("performed_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** The action requests of these logs, oldest first. */
  actionRequestsOf(db: Queryable, logIds: readonly string[]) {
    if (logIds.length === 0) return Promise.resolve([] as ActionRequestRow[]);
    return db
      .selectFrom("maintenance_action_requests")
      .selectAll()
      .where("maintenance_log_id", "in", logIds)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  },

  /** Replaces the requests of a log that have not become actions yet. */
  async replacePendingRequests(
    db: Queryable,
    logId: string,
    rows: Insertable<MaintenanceActionRequestsTable>[],
  ): Promise<void> {
    await db
      .deleteFrom("maintenance_action_requests")
      .where("maintenance_log_id", "=", logId)
      .where("action_id", "is", null)
      .execute();
    if (rows.length > 0) await db.insertInto("maintenance_action_requests").values(rows).execute();
  },

  /** A log's requests that have not become actions yet, oldest first. */
  pendingRequestsOf(db: Queryable, logId: string) {
    return db
      .selectFrom("maintenance_action_requests")
      .selectAll()
      .where("maintenance_log_id", "=", logId)
      .where("action_id", "is", null)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  },

  /** Records the action a request became; false when another writer took the request first. */
  async linkRequest(db: Queryable, id: string, actionId: string): Promise<boolean> {
    const result = await db
      .updateTable("maintenance_action_requests")
      .set({ action_id: actionId })
      .where("id", "=", id)
      .where("action_id", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },
};
