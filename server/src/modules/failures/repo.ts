import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { FailureCodesTable, FailureReportsTable } from "../../db/schema.ts";
import { containsIgnoringCase } from "../../db/sql.ts";
import { afterKey } from "../../db/pagination.ts";

export type FailureCodeRow = Selectable<FailureCodesTable>;
export type FailureReportRow = Selectable<FailureReportsTable>;

/** The failure-code catalogue; repairs and failure reports point at it. */
export const failureCodesRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("failure_codes").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("failure_codes").selectAll().where("id", "in", ids).execute();
  },

  /** The whole catalogue (a few hundred codes at most), by category then code. */
  list(db: Queryable, filter: { category?: string; active?: boolean; q?: string }) {
    let q = db.selectFrom("failure_codes").selectAll();
    if (filter.category) q = q.where("category", "=", filter.category);
    if (filter.active !== undefined) q = q.where("active", "=", filter.active);
    if (filter.q) q = q.where(containsIgnoringCase(["code", "name", "description"], filter.q));
    return q.orderBy("category").orderBy("code").execute();
  },

  async insert(db: Queryable, row: Insertable<FailureCodesTable>): Promise<void> {
    await db.insertInto("failure_codes").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<FailureCodesTable>): Promise<void> {
    await db.updateTable("failure_codes").set(patch).where("id", "=", id).execute();
  },
};

export interface FailureReportFilter {
  toolId?: string;
  machineId?: string;
  failureCodeId?: string;
  status?: string;
  severity?: string;
  from?: string;
  to?: string;
  /** Keyset position: [occurred_at, id], newest first. */
  before?: [string, string];
}

export const failureReportsRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("failure_reports").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("failure_reports").selectAll().where("id", "in", ids).execute();
  },

  async insert(db: Queryable, row: Insertable<FailureReportsTable>): Promise<void> {
    await db.insertInto("failure_reports").values(row).execute();
  },

  /**
   * Applies a change only if the report is still in `status` (of two concurrent moves one wins)
   * and, for each of `present`, the stored value is still set (closing on a root cause someone
   * may be clearing at the same moment).
   */
  async updateFrom(
    db: Queryable,
    id: string,
    status: string,
    patch: Updateable<FailureReportsTable>,
    present: readonly ("root_cause" | "root_cause_category")[] = [],
  ): Promise<boolean> {
    let q = db.updateTable("failure_reports").set(patch).where("id", "=", id).where("status", "=", status);
    for (const column of present) q = q.where(column, "is not", null);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  list(db: Queryable, filter: FailureReportFilter, limit: number) {
    let q = db.selectFrom("failure_reports").selectAll();
    if (filter.toolId) q = q.where("tool_id", "=", filter.toolId);
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.failureCodeId) q = q.where("failure_code_id", "=", filter.failureCodeId);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.severity) q = q.where("severity", "=", filter.severity);
    if (filter.from) q = q.where("occurred_at", ">=", filter.from);
    if (filter.to) q = q.where("occurred_at", "<", filter.to);
    if (filter.before) q = q.where(afterKey("occurred_at", filter.before, "desc"));
    return q.orderBy("occurred_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** A tool's or a machine's reports for its history, newest first from a keyset position. */
  history(
    db: Queryable,
    owner: { toolId?: string; machineId?: string },
    before: [string, string] | undefined,
    limit: number,
  ) {
    let q = db.selectFrom("failure_reports").selectAll();
    q = owner.toolId ? q.where("tool_id", "=", owner.toolId) : q.where("machine_id", "=", owner.machineId!);
    if (before) q = q.where(afterKey("occurred_at", before, "desc"));
    return q.orderBy("occurred_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },
};
