import type { Queryable } from "../db/index.ts";
import { afterKey } from "../db/pagination.ts";
import type { JobRunsTable } from "../db/schema.ts";

export const jobRunsRepo = {
  async start(db: Queryable, run: JobRunsTable): Promise<void> {
    await db.insertInto("job_runs").values(run).execute();
  },

  async finish(db: Queryable, id: string, outcome: "ok" | "failed", error: string | null): Promise<void> {
    await db
      .updateTable("job_runs")
      .set({ outcome, error, finished_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute();
  },

  /** The newest runs first, optionally of one job; keyset on (started_at, id). */
  list(db: Queryable, filter: { name?: string; before?: readonly [string, string] }, limit: number) {
    let q = db.selectFrom("job_runs").selectAll();
    if (filter.name) q = q.where("name", "=", filter.name);
    if (filter.before) {
      q = q.where(afterKey("started_at", filter.before, "desc"));
    }
    return q.orderBy("started_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** Each job's newest successful finish (for the last-success gauge). */
  lastSuccess(db: Queryable) {
    return db
      .selectFrom("job_runs")
      .select(["name", (eb) => eb.fn.max("finished_at").as("finished_at")])
      .where("outcome", "=", "ok")
      .groupBy("name")
      .execute();
  },
};
