/**
 * Per-instance timers for work every instance does for itself (today: draining the mail
 * outbox), one run at a time each, stopped (and waited for) on close. Work that must run once
 * per tick across instances is a scheduled job instead (server/src/jobs). Tests leave it off
 * (HOM_PERIODIC_CHECKS=false) and call the functions directly.
 */

export interface PeriodicTask {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

export interface PeriodicChecks {
  stop(): Promise<void>;
}

export function startPeriodicChecks(
  tasks: PeriodicTask[],
  log: (message: string, error: unknown) => void,
): PeriodicChecks {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  const schedule = (task: PeriodicTask, delay: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = task
        .run()
        .then(
          () => undefined,
          (error: unknown) => log(`periodic check ${task.name} failed`, error),
        )
        .finally(() => {
          running.delete(run);
          schedule(task, task.everyMs);
        });
      running.add(run);
    }, delay);
    timer.unref();
    timers.add(timer);
  };
  // A first run soon after start, spread a little so the checks do not all hit the database at once.
  tasks.forEach((task, i) => schedule(task, 1_000 + i * 500));

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
    },
  };
}
