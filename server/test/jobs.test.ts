import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JobDefinition, JobRun } from "../src/jobs/index.ts";
import { tickId } from "../src/jobs/pg-boss.ts";
import { startRuntime, type Runtime } from "../src/runtime.ts";
import { createTestEnv, forEachBackend, type TestEnv } from "./helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metricsText(runtime: Runtime): Promise<string> {
  return runtime.metrics.metrics();
}

forEachBackend("scheduled jobs", (backend) => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv(backend, { HOM_JOBS: "true", HOM_JOBS_POLL_SECONDS: "1" });
  });
  after(() => env.cleanup());

  test("a job every second runs once per tick, is recorded in job_runs and counted on /metrics", async () => {
    const ticks: number[] = [];
    let failNext = true;
    const every: JobDefinition = {
      name: "test-every-second",
      schedule: { everySeconds: 1 },
      handler: async (run: JobRun) => {
        ticks.push(run.scheduledFor.getTime());
        if (failNext) {
          failNext = false;
          throw new Error("first run fails on purpose");
        }
      },
    };
    // Two instances on one database (on PostgreSQL: one schema, one pg-boss queue).
    const first = await startRuntime(env.config, { feeds: false, jobs: true, extraJobs: [every] });
    const second =
      backend === "postgres"
        ? await startRuntime(env.config, { feeds: false, jobs: true, extraJobs: [{ ...every }] })
        : undefined;
    try {
      const started = Date.now();
      while (ticks.length < 4 && Date.now() - started < 20_000) await sleep(100);
      await sleep(1500); // a duplicate, if any, would show up by now
    } finally {
      // Each instance counts its own runs: read both.
      const metrics = (await metricsText(first)) + (second ? await metricsText(second) : "");
      await second?.close();
      const rows = await first.db.kysely
        .selectFrom("job_runs")
        .selectAll()
        .where("name", "=", "test-every-second")
        .execute();
      await first.close();

      assert.ok(ticks.length >= 4, `only ${ticks.length} runs in 20 s`);
      assert.equal(new Set(ticks).size, ticks.length, `a tick ran twice: ${ticks.join(", ")}`);
      for (const t of ticks) assert.equal(t % 1000, 0);
      // Every run recorded once; the failing one with its message; none left running after close.
      assert.equal(rows.length, ticks.length);
      const failed = rows.filter((r) => r.outcome === "failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0].error, "first run fails on purpose");
      assert.equal(rows.filter((r) => r.outcome === "ok").length, ticks.length - 1);
      assert.ok(rows.every((r) => r.finished_at && r.instance));
      assert.deepEqual(rows.map((r) => Date.parse(r.scheduled_for)).sort(), [...ticks].sort());
      const counted = (outcome: string) =>
        [
          ...metrics.matchAll(
            new RegExp(`hom_job_runs_total\\{job="test-every-second",outcome="${outcome}"\\} (\\d+)`, "g"),
          ),
        ]
          .map((m) => Number(m[1]))
          .reduce((a, b) => a + b, 0);
      assert.equal(counted("failed"), 1);
      assert.equal(counted("ok"), ticks.length - 1);
      const last = /hom_job_last_success_timestamp_seconds\{job="test-every-second"\} (\d+(\.\d+)?)/.exec(metrics);
      assert.ok(last && Number(last[1]) * 1000 > Date.now() - 60_000, "last success gauge is recent");
      if (backend === "postgres") {
        const instances = new Set(rows.map((r) => r.instance));
        assert.equal(instances.size, 1, "both runtimes are one process here: same instance name");
      }
    }
  });

  test("jobs are off unless asked for: a CLI-style runtime and HOM_JOBS=false start none", async () => {
    let ran = 0;
    const job: JobDefinition = { name: "test-never", schedule: { everySeconds: 1 }, handler: async () => void ran++ };
    const cli = await startRuntime(env.config, { feeds: false, extraJobs: [job] });
    const off = await createTestEnv(backend); // HOM_JOBS=false, as every test by default
    const server = await startRuntime(off.config, { feeds: true, extraJobs: [{ ...job }] });
    try {
      await sleep(2200);
      assert.equal(ran, 0);
    } finally {
      await cli.close();
      await server.close();
      await off.cleanup();
    }
  });

  test("bad job definitions fail at registration", async () => {
    const runtime = await startRuntime(env.config, { feeds: false });
    try {
      const handler = async () => {};
      assert.throws(() => runtime.scheduler.register({ name: "Bad Name", schedule: { everySeconds: 1 }, handler }));
      assert.throws(() => runtime.scheduler.register({ name: "x", schedule: { cron: "61 * * * *" }, handler }));
      assert.throws(() => runtime.scheduler.register({ name: "y", schedule: { everySeconds: 0 }, handler }));
      runtime.scheduler.register({ name: "z", schedule: { cron: "0 3 * * *" }, handler });
      assert.throws(() => runtime.scheduler.register({ name: "z", schedule: { cron: "0 3 * * *" }, handler }));
    } finally {
      await runtime.close();
    }
  });

  test("the tick id is the same for a job and tick on every instance and differs otherwise", () => {
    assert.equal(tickId("a", 100), tickId("a", 100));
    assert.notEqual(tickId("a", 100), tickId("a", 101));
    assert.notEqual(tickId("a", 100), tickId("b", 100));
    assert.match(tickId("a", 100), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
