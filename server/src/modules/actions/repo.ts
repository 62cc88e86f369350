import { sql, type Insertable, type RawBuilder, type Selectable, type Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { ActionsTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type ActionRow = Selectable<ActionsTable>;

/** Statuses in which an action still asks for work (overdue and reminders look at these). */
export const OPEN_STATUSES = ["open", "in_progress"] as const;

export interface ActionFilter {
  assigneeId?: string;
  status?: string;
  kind?: string;
  priority?: string;
  /** Due before this date (YYYY-MM-DD) and still open or in progress. */
  overdueBefore?: string;
  /** Not overdue on this date: no due date, due on or after it, or finished. */
  notOverdueOn?: string;
  failureReportId?: string;
  toolId?: string;
  machineId?: string;
  repairId?: string;
  maintenanceLogId?: string;
  planId?: string;
  /** Keyset position: [created_at, id], newest first. */
  before?: [string, string];
}

export const actionsRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("actions").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("actions").selectAll().where("id", "in", ids).execute();
  },

  async insert(db: Queryable, row: Insertable<ActionsTable>): Promise<void> {
    await db.insertInto("actions").values(row).execute();
  },

  /** Inserts unless an action for the same plan interval exists (unique index); returns whether it did. */
  async insertUnlessExists(db: Queryable, row: Insertable<ActionsTable>): Promise<boolean> {
    const result = await db
      .insertInto("actions")
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  /**
   * Changes an action only if it is still in one of `from`: two people moving the same action
   * at once both read `open`, and exactly one of the two updates finds it so. With `expect`,
   * also only if it still has the assignee a permission check was based on.
   */
  async updateFrom(
    db: Queryable,
    id: string,
    from: readonly string[],
    patch: Updateable<ActionsTable>,
    expect?: { assigneeId: string | null },
  ): Promise<boolean> {
    let q = db.updateTable("actions").set(patch).where("id", "=", id).where("status", "in", from);
    if (expect) {
      q =
        expect.assigneeId === null
          ? q.where("assignee_id", "is", null)
          : q.where("assignee_id", "=", expect.assigneeId);
    }
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** The actions of these failure reports, newest first: one query for a GraphQL page of reports. */
  ofFailureReports(db: Queryable, reportIds: readonly string[]) {
    if (reportIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom("actions")
      .selectAll()
      .where("failure_report_id", "in", reportIds)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
  },

  /** The still-open automatic actions of a plan (at most one, by construction). */
  openOfPlan(db: Queryable, planId: string) {
    return db
      .selectFrom("actions")
      .selectAll()
      .where("plan_id", "=", planId)
      .where("plan_cycle", "is not", null)
      .where("status", "in", OPEN_STATUSES)
      .execute();
  },

  list(db: Queryable, filter: ActionFilter, limit: number) {
    let q = db.selectFrom("actions").selectAll();
    if (filter.assigneeId) q = q.where("assignee_id", "=", filter.assigneeId);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    if (filter.priority) q = q.where("priority", "=", filter.priority);
    if (filter.overdueBefore) {
      q = q.where("due_date", "<", filter.overdueBefore).where("status", "in", OPEN_STATUSES);
    }
    if (filter.notOverdueOn) {
      const today = filter.notOverdueOn;
      q = q.where((eb) =>
        eb.or([eb("due_date", "is", null), eb("due_date", ">=", today), eb("status", "not in", OPEN_STATUSES)]),
      );
    }
    if (filter.failureReportId) q = q.where("failure_report_id", "=", filter.failureReportId);
    if (filter.toolId) q = q.where("tool_id", "=", filter.toolId);
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.repairId) q = q.where("repair_id", "=", filter.repairId);
    if (filter.maintenanceLogId) q = q.where("maintenance_log_id", "=", filter.maintenanceLogId);
    if (filter.planId) q = q.where("plan_id", "=", filter.planId);
    if (filter.before) q = q.where(afterKey("created_at", filter.before, "desc"));
    return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /**
   * The reminders' work list: open actions due on or before `until` (YYYY-MM-DD) whose reminder
   * for their due date has not gone out yet. The reminder is `action_overdue` when due before
   * `today`, else `action_due_soon`; its notifications carry the dedupe key
   * `<kind>:<action id>:<due date>:<user id>` and go to the assignee, or to `supervisorRoles`
   * while nobody (active) is assigned. The keys are looked up by equality on their unique index,
   * so actions overdue for months, reminded long ago, cost an index probe, not a notice round.
   */
  remindersDue(db: Queryable, q: { today: string; until: string; supervisorRoles: readonly string[] }, limit: number) {
    const key = (user: RawBuilder<unknown>) =>
      sql`(case when a.due_date < ${q.today} then 'action_overdue' else 'action_due_soon' end)
        || ':' || a.id || ':' || a.due_date || ':' || ${user}`;
    const roles = q.supervisorRoles.length > 0 ? q.supervisorRoles : [""];
    return db
      .selectFrom("actions as a")
      .leftJoin("users as asg", "asg.id", "a.assignee_id")
      .selectAll("a")
      .where("a.status", "in", OPEN_STATUSES)
      .where("a.due_date", "is not", null)
      .where("a.due_date", "<=", q.until)
      .where(
        sql<boolean>`(
          (asg.active = ${true} and not exists (
            select 1 from notifications n where n.dedupe_key = ${key(sql`asg.id`)}))
          or ((asg.id is null or asg.active = ${false}) and not exists (
            select 1 from users u where u.role in (${sql.join(roles)}) and u.active = ${true}
              and exists (select 1 from notifications n where n.dedupe_key = ${key(sql`u.id`)})))
        )`,
      )
      .orderBy("a.due_date")
      .orderBy("a.id")
      .limit(limit)
      .execute();
  },

  async countOverdue(db: Queryable, today: string): Promise<number> {
    const row = await db
      .selectFrom("actions")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "in", OPEN_STATUSES)
      .where("due_date", "<", today)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
