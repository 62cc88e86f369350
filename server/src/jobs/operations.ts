import type { Config } from "../config.ts";
import type { Services } from "../runtime.ts";
import type { Scheduler } from "./scheduler.ts";

/**
 * The jobs of operations: nightly backup, retention purge and the hourly integration-event
 * cleanup. Other modules register theirs the same way (`scheduler.register({ name, schedule,
 * handler })`) from runtime.ts, before the scheduler starts.
 */
export function registerOperationsJobs(scheduler: Scheduler, config: Config, services: Services): void {
  if (config.backup.cron) {
    scheduler.register({
      name: "nightly-backup",
      schedule: { cron: config.backup.cron },
      handler: async () => void (await services.backups.run("schedule")),
    });
  }
  if (config.jobs.retentionCron) {
    scheduler.register({
      name: "retention-purge",
      schedule: { cron: config.jobs.retentionCron },
      handler: async () => void (await services.retention.run()),
    });
  }
  // Machine messages arrive all day: their rule is applied hourly, not once a night.
  scheduler.register({
    name: "integration-events-cleanup",
    schedule: { cron: "7 * * * *" },
    handler: async () => void (await services.retention.run(["integration_events"])),
  });
}
