import { createHash } from "node:crypto";
import { Cron } from "croner";
import type { PgBoss } from "pg-boss";
import type { JobRecorder, JobLogger } from "./recorder.ts";
import { checkJob, cronPattern, tickOf, type JobDefinition, type Scheduler } from "./scheduler.ts";

export interface PgBossOptions {
  url: string;
  /** pg-boss's own schema (tables `job`, `queue`, …), kept apart from HOM's. */
  schema: string;
  /** How often an idle worker asks for work; the delay between a tick and its run. */
  pollingIntervalSeconds?: number;
  log?: JobLogger;
}

/**
 * Several instances on one PostgreSQL (docs/scaling.md). Every instance keeps the same clock of
 * ticks (croner) and, at each tick, offers one pg-boss job whose id is derived from the job name
 * and the tick: the first offer is stored, the others are the same row and are dropped by the
 * job table's key. Workers on every instance fetch with SKIP LOCKED, so exactly one instance
 * runs each tick, and a tick survives the instance that offered it going away.
 * (pg-boss's own cron has minute resolution and one clock monitor; ours needs seconds for tests.)
 */
export class PgBossScheduler implements Scheduler {
  readonly kind = "pg-boss";
  readonly #recorder: JobRecorder;
  readonly #options: PgBossOptions;
  readonly #jobs: JobDefinition[] = [];
  readonly #crons: Cron[] = [];
  #boss?: PgBoss;
  #stopped = false;

  constructor(recorder: JobRecorder, options: PgBossOptions) {
    this.#recorder = recorder;
    this.#options = options;
  }

  register(job: JobDefinition): void {
    checkJob(job, this.#jobs);
    new Cron(cronPattern(job.schedule), { paused: true, timezone: "UTC" }).stop(); // throws on a bad pattern
    this.#jobs.push(job);
  }

  jobs(): readonly JobDefinition[] {
    return this.#jobs;
  }

  async start(): Promise<void> {
    if (this.#jobs.length === 0) return;
    // Loaded only here: a SQLite server never needs it (≈ 12 MB of RSS).
    const { PgBoss } = await import("pg-boss");
    const boss = new PgBoss({
      connectionString: this.#options.url,
      schema: this.#options.schema,
      schedule: false, // ticks come from croner on every instance (see above)
      supervise: true,
      max: 3,
      application_name: "hom-jobs",
    });
    boss.on("error", (err: unknown) => this.#options.log?.error({ err }, "job queue error"));
    await boss.start();
    this.#boss = boss;
    const polling = this.#options.pollingIntervalSeconds ?? 2;
    for (const job of this.#jobs) {
      await boss.createQueue(job.name, {
        // A tick that finds no worker for an hour is stale: the next one does the work.
        retentionSeconds: 3600,
        expireInSeconds: 6 * 3600, // a backup of a big plant may run long
        retryLimit: 0, // a failed run is recorded; the next tick is the retry
        deleteAfterSeconds: 86_400,
      });
      await boss.work<{ tick: number }>(
        job.name,
        { pollingIntervalSeconds: polling, batchSize: 1 },
        async ([queued]) => {
          await this.#recorder.run(job, { scheduledFor: new Date(queued.data.tick * 1000) });
        },
      );
      const cron = new Cron(cronPattern(job.schedule), { timezone: "UTC" }, (self: Cron) => {
        const tick = tickOf(job.schedule, self.currentRun() ?? new Date());
        if (tick === null || this.#stopped) return;
        boss.send(job.name, { tick }, { id: tickId(job.name, tick) }).catch((err: unknown) => {
          this.#options.log?.error({ job: job.name, err }, "could not queue job tick");
        });
      });
      this.#crons.push(cron);
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const cron of this.#crons.splice(0)) cron.stop();
    await this.#boss?.stop({ graceful: true, timeout: 10_000, close: true });
  }
}

/** The same UUID for the same job and tick on every instance (shape of a UUIDv8). */
export function tickId(name: string, tick: number): string {
  const hex = createHash("sha256").update(`${name}@${tick}`).digest("hex").slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** pg-boss's schema for a HOM schema: `<schema>_jobs` (`hom_jobs` for the default), within 63 characters. */
export function bossSchema(homSchema: string | undefined): string {
  return `${(homSchema ?? "hom").slice(0, 58)}_jobs`;
}
