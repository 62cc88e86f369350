import { Cron } from "croner";
import type { JobRecorder } from "./recorder.ts";
import { checkJob, cronPattern, tickOf, type JobDefinition, type Scheduler } from "./scheduler.ts";

/**
 * One process (SQLite): croner fires each job in this process. A run still going when its next
 * tick comes is not started twice (`protect`), so a slow backup never overlaps itself.
 */
export class InProcessScheduler implements Scheduler {
  readonly kind = "in-process";
  readonly #recorder: JobRecorder;
  readonly #jobs: JobDefinition[] = [];
  readonly #crons: Cron[] = [];
  readonly #running = new Set<Promise<unknown>>();

  constructor(recorder: JobRecorder) {
    this.#recorder = recorder;
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
    for (const job of this.#jobs) {
      const cron = new Cron(cronPattern(job.schedule), { timezone: "UTC", protect: true }, async (self: Cron) => {
        const tick = tickOf(job.schedule, self.currentRun() ?? new Date());
        if (tick === null) return;
        const run = this.#recorder.run(job, { scheduledFor: new Date(tick * 1000) });
        this.#running.add(run);
        try {
          await run;
        } finally {
          this.#running.delete(run);
        }
      });
      this.#crons.push(cron);
    }
  }

  async stop(): Promise<void> {
    for (const cron of this.#crons.splice(0)) cron.stop();
    await Promise.race([Promise.allSettled([...this.#running]), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
}
