/**
 * The one scheduler interface (DESIGN.md "jobs/"). Modules register named jobs; the runtime
 * picks the implementation: in-process (croner) on SQLite, pg-boss on PostgreSQL so that with
 * several instances each scheduled run happens once. Every run is recorded in `job_runs` and
 * counted on /metrics by the JobRecorder, whichever implementation fires it.
 */

export interface JobDefinition {
  /** Unique, lower-case with dashes (`nightly-backup`): a metric label and a pg-boss queue name. */
  name: string;
  /**
   * When it runs: a cron pattern (5 fields, or 6 with seconds first; UTC), or every N seconds
   * (aligned to the epoch, so every instance agrees which tick is which).
   */
  schedule: { cron: string } | { everySeconds: number };
  /** The work. Throwing marks the run failed (recorded with the message); the next tick runs again. */
  handler: (run: JobRun) => Promise<void>;
}

export interface JobRun {
  /** The tick this run belongs to (the same on every instance): what was due, not when it started. */
  scheduledFor: Date;
}

export interface Scheduler {
  readonly kind: "in-process" | "pg-boss";
  /** Adds a job; call before `start`. */
  register(job: JobDefinition): void;
  /** The registered jobs' names and schedules. */
  jobs(): readonly JobDefinition[];
  start(): Promise<void>;
  /** Stops firing and waits for running handlers (bounded); safe to call twice. */
  stop(): Promise<void>;
}

/** Checks a job definition once, at registration, so a typo fails the start and not a night. */
export function checkJob(job: JobDefinition, existing: readonly JobDefinition[]): void {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(job.name))
    throw new Error(`job name "${job.name}" must be lower-case-with-dashes`);
  if (existing.some((j) => j.name === job.name)) throw new Error(`job "${job.name}" is registered twice`);
  if ("everySeconds" in job.schedule) {
    const n = job.schedule.everySeconds;
    if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new Error(`job "${job.name}": everySeconds must be 1…86400`);
  }
}

/** The tick (epoch seconds) a fire at `at` belongs to, for the given schedule; null when an interval job skips it. */
export function tickOf(schedule: JobDefinition["schedule"], at: Date): number | null {
  const seconds = Math.round(at.getTime() / 1000);
  if ("everySeconds" in schedule) return seconds % schedule.everySeconds === 0 ? seconds : null;
  return seconds;
}

/** The croner pattern that fires a schedule: interval jobs fire every second and skip off-ticks. */
export function cronPattern(schedule: JobDefinition["schedule"]): string {
  return "cron" in schedule ? schedule.cron : "* * * * * *";
}
