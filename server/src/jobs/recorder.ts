import os from "node:os";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Db } from "../db/index.ts";
import { newId } from "../ids.ts";
import { jobRunsRepo } from "./repo.ts";
import type { JobDefinition, JobRun } from "./scheduler.ts";

export interface JobLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** This process, as job runs and backups name it: host and process id. */
export const INSTANCE = `${os.hostname()}:${process.pid}`;

/**
 * Runs a job's handler and records the run: a `job_runs` row (running → ok | failed, with the
 * error text) and the metrics `hom_job_runs_total{job,outcome}` (this instance's runs) and
 * `hom_job_last_success_timestamp_seconds{job}` (read from the table, so every instance of a
 * cluster reports the same value).
 */
export class JobRecorder {
  readonly #db: Db;
  readonly #runs: Counter<"job" | "outcome">;
  readonly #log?: JobLogger;

  constructor(db: Db, registry: Registry, names: () => string[], log?: JobLogger) {
    this.#db = db;
    this.#log = log;
    this.#runs = new Counter({
      name: "hom_job_runs_total",
      help: "Scheduled job runs by job and outcome (ok, failed), on this instance",
      labelNames: ["job", "outcome"],
      registers: [registry],
    });
    new Gauge({
      name: "hom_job_last_success_timestamp_seconds",
      help: "Unix time of each job's last successful run (any instance); 0 when it never succeeded",
      labelNames: ["job"],
      registers: [registry],
      collect: async function (this: Gauge<"job">) {
        const rows = await jobRunsRepo.lastSuccess(db.kysely);
        const last = new Map(rows.map((r) => [r.name, r.finished_at ? Date.parse(String(r.finished_at)) / 1000 : 0]));
        for (const name of new Set([...names(), ...last.keys()])) this.set({ job: name }, last.get(name) ?? 0);
      },
    });
  }

  async run(job: JobDefinition, run: JobRun): Promise<"ok" | "failed"> {
    const id = newId();
    await jobRunsRepo.start(this.#db.kysely, {
      id,
      name: job.name,
      scheduled_for: run.scheduledFor.toISOString(),
      started_at: new Date().toISOString(),
      finished_at: null,
      outcome: "running",
      error: null,
      instance: INSTANCE,
    });
    let outcome: "ok" | "failed" = "ok";
    let error: string | null = null;
    try {
      await job.handler(run);
    } catch (e) {
      outcome = "failed";
      error = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
      this.#log?.error({ job: job.name, err: e }, "job failed");
    }
    try {
      await jobRunsRepo.finish(this.#db.kysely, id, outcome, error);
    } catch (e) {
      // The database may be closing under a run at shutdown; the counter still tells.
      this.#log?.error({ job: job.name, err: e }, "could not record job run");
    }
    this.#runs.inc({ job: job.name, outcome });
    return outcome;
  }
}
