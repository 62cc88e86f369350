/**
 * The in-process periodic checks: plain async functions run on their own timers, one run at
 * a time each, stopped (and waited for) on close. Kept this small on purpose: the jobs issue
 * moves periodic work behind a scheduler interface; until then this is the one place that
 * owns timers. Tests leave it off (HOM_PERIODIC_CHECKS=false) and call the functions directly.
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
