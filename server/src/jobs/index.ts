import type { Registry } from "prom-client";
import type { Config } from "../config.ts";
import type { Db } from "../db/index.ts";
import { InProcessScheduler } from "./in-process.ts";
import { PgBossScheduler, bossSchema } from "./pg-boss.ts";
import { JobRecorder, type JobLogger } from "./recorder.ts";
import type { Scheduler } from "./scheduler.ts";

export type { JobDefinition, JobRun, Scheduler } from "./scheduler.ts";

/** The scheduler for this database: pg-boss on PostgreSQL (runs once per cluster), croner on SQLite. */
export function createScheduler(config: Config, db: Db, registry: Registry, log?: JobLogger): Scheduler {
  // The gauge asks for the job names when scraped, after `scheduler` exists.
  const recorder = new JobRecorder(db, registry, () => scheduler.jobs().map((j) => j.name), log);
  const scheduler: Scheduler =
    config.database.kind === "postgres"
      ? new PgBossScheduler(recorder, {
          url: config.database.url,
          schema: bossSchema(config.database.schema),
          pollingIntervalSeconds: config.jobs.pollingIntervalSeconds,
          log,
        })
      : new InProcessScheduler(recorder);
  return scheduler;
}
