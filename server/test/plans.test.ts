import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { planState } from "../src/modules/plans/status.ts";
import {
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  type TestApp,
} from "./helpers.ts";

const DAY = 86_400_000;

describe("plan status arithmetic", () => {
  const now = Date.parse("2026-06-01T00:00:00Z");
  const plan = (extra: object) => ({
    interval_shots: 100_000,
    interval_days: null,
    warn_at_percent: 90,
    last_done_at: "2026-05-01T00:00:00.000Z",
    last_done_shots: 1_000_000,
    ...extra,
  });

  test("by shots: not due, warning at the threshold, due at the interval, overdue 10 % past it", () => {
    assert.equal(planState(plan({}), 1_050_000, 0, now).status, "not_due");
    assert.equal(planState(plan({}), 1_090_000, 0, now).status, "warning");
    assert.equal(planState(plan({}), 1_100_000, 0, now).status, "due");
    assert.equal(planState(plan({}), 1_110_000, 0, now).status, "due");
    assert.equal(planState(plan({}), 1_110_001, 0, now).status, "overdue");
    const state = planState(plan({}), 1_060_000, 4_000, now);
    assert.equal(state.remaining_shots, 40_000);
    assert.equal(state.used_shots, 60_000);
    assert.equal(state.forecast_due_date, new Date(now + 10 * DAY).toISOString(), "40,000 shots at 4,000 a day");
  });

  test("by days, and the earlier of both when a plan has both", () => {
    const days = plan({ interval_shots: null, interval_days: 60 });
    const state = planState(days, null, 0, now);
    assert.equal(state.status, "not_due");
    assert.equal(state.remaining_days, 29);
    assert.equal(state.forecast_due_date, "2026-06-30T00:00:00.000Z");
    const both = planState(plan({ interval_days: 60 }), 1_020_000, 1_000, now);
    assert.equal(both.forecast_due_date, "2026-06-30T00:00:00.000Z", "the calendar comes before 80 days of shots");
    assert.equal(planState(plan({ interval_days: 20 }), 1_000_000, 0, now).status, "overdue", "31 of 20 days");
  });
});

forEachBackend("maintenance plans", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let engineer: ReturnType<typeof restClient>;
  let n = 0;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
  });
  after(() => t.close());

  const newTool = async () =>
    (await admin.post("/api/v1/tools", { asset_number: `PL-${++n}`, name: "Mould", cavity_count: 2 })).body
      .id as string;

  test("a shot plan moves from not due to warning to due as shots arrive; a reset starts it over", async () => {
    const tool = await newTool();
    const created = await engineer.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      name: "Post-run cleaning",
      activity: "cleaning",
      interval_shots: 1000,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(
      [created.body.status, created.body.remaining_shots, created.body.last_done_shots],
      ["not_due", 1000, 0],
    );
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 950 });
    const warning = await admin.get(`/api/v1/maintenance-plans/${created.body.id}`);
    assert.deepEqual([warning.body.status, warning.body.remaining_shots], ["warning", 50]);
    assert.ok(warning.body.forecast_due_date, "shots in the last 14 days give a rate");
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 60 });
    const list = await admin.get(`/api/v1/tools/${tool}/maintenance-plans`);
    assert.deepEqual(
      list.body.items.map((p: { status: string; remaining_shots: number }) => [p.status, p.remaining_shots]),
      [["due", -10]],
    );

    const technician = restClient(t.app, (await t.userWithRole("technician")).auth);
    const reset = await technician.post(`/api/v1/maintenance-plans/${created.body.id}/reset`, {});
    assert.equal(reset.status, 200);
    assert.deepEqual(
      [reset.body.status, reset.body.last_done_shots, reset.body.remaining_shots],
      ["not_due", 1010, 1000],
    );
    assert.equal(await auditCount(t.runtime, "plan.reset"), 1);
    const operator = restClient(t.app, (await t.userWithRole("operator")).auth);
    assert.equal((await operator.post(`/api/v1/maintenance-plans/${created.body.id}/reset`, {})).status, 403);
  });

  test("machine plans run by days; bad plans are 422s", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const tool = await newTool();
    const machinePlan = await engineer.post(`/api/v1/machines/${machines[0].id}/maintenance-plans`, {
      name: "Hydraulic oil check",
      activity: "inspection",
      interval_days: 30,
      last_done_at: new Date(Date.now() - 28 * DAY).toISOString(),
    });
    assert.equal(machinePlan.status, 201, JSON.stringify(machinePlan.body));
    assert.equal(machinePlan.body.status, "warning");
    for (const [url, payload, field] of [
      [
        `/api/v1/machines/${machines[0].id}/maintenance-plans`,
        { name: "x", activity: "inspection", interval_shots: 10 },
        "interval_shots",
      ],
      [`/api/v1/tools/${tool}/maintenance-plans`, { name: "x", activity: "inspection" }, "interval_shots"],
      [`/api/v1/tools/${tool}/maintenance-plans`, { name: "x", activity: "polishing", interval_days: 3 }, "activity"],
      [`/api/v1/tools/${tool}/maintenance-plans`, { name: "x", activity: "other", interval_days: 0 }, "interval_days"],
      [
        `/api/v1/tools/${tool}/maintenance-plans`,
        { name: "x", activity: "other", interval_shots: -5 },
        "interval_shots",
      ],
      [
        `/api/v1/tools/${tool}/maintenance-plans`,
        { name: "x", activity: "other", interval_days: 3, warn_at_percent: 150 },
        "warn_at_percent",
      ],
    ] as const) {
      const res = await engineer.post(url, payload);
      assert.equal(res.status, 422, `${JSON.stringify(payload)} → ${res.status}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        JSON.stringify(res.body),
      );
    }
    assert.equal(
      (
        await engineer.post(`/api/v1/tools/01a00000-0000-7000-8000-000000000000/maintenance-plans`, {
          name: "x",
          activity: "other",
          interval_days: 3,
        })
      ).status,
      404,
    );
    const technician = restClient(t.app, (await t.userWithRole("technician")).auth);
    assert.equal(
      (
        await technician.post(`/api/v1/tools/${tool}/maintenance-plans`, {
          name: "x",
          activity: "other",
          interval_days: 3,
        })
      ).status,
      403,
    );
    const stopped = await engineer.patch(`/api/v1/maintenance-plans/${machinePlan.body.id}`, { active: false });
    assert.equal(stopped.body.active, false);
    assert.equal((await admin.get(`/api/v1/machines/${machines[0].id}/maintenance-plans`)).body.items.length, 0);
    assert.equal(
      (await admin.get(`/api/v1/machines/${machines[0].id}/maintenance-plans?include_inactive=true`)).body.items.length,
      1,
    );
  });

  test("/metrics counts plans by status and ongoing downtimes by category", async () => {
    const metric = async (name: string) => {
      const text = (await t.app.inject({ url: "/metrics" })).body;
      return Number(
        text
          .split("\n")
          .find((line) => line.startsWith(name))
          ?.split(" ")[1] ?? NaN,
      );
    };
    const dueBefore = await metric('hom_maintenance_plans{status="due"}');
    const tool = await newTool();
    await engineer.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      name: "Clean",
      activity: "cleaning",
      interval_shots: 10,
    });
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 10 });
    assert.equal(await metric('hom_maintenance_plans{status="due"}'), dueBefore + 1);

    const { machines } = await createLineWithMachines(t, 1);
    const ongoingBefore = await metric('hom_downtimes_ongoing{category="unplanned"}');
    await admin.post("/api/v1/downtimes", { machine_id: machines[0].id });
    assert.equal(await metric('hom_downtimes_ongoing{category="unplanned"}'), ongoingBefore + 1);
  });

  test("GraphQL: a tool shows its plans with status", async () => {
    const tool = await newTool();
    const created = await graphql(
      t.app,
      `
        mutation ($t: ID!) {
          createMaintenancePlan(
            toolId: $t
            input: { name: "Lubrication", activity: lubrication, intervalShots: 500, warnAtPercent: 80 }
          ) {
            id
            status
          }
        }
      `,
      { t: tool },
      t.adminAuth,
    );
    assert.equal(created.body.data!.createMaintenancePlan.status, "not_due");
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 450 });
    const read = await graphql(
      t.app,
      `
        query ($t: ID!) {
          tool(id: $t) {
            plans {
              name
              status
              remainingShots
              progress
            }
          }
        }
      `,
      { t: tool },
      t.adminAuth,
    );
    assert.deepEqual(read.body.data!.tool.plans, [
      { name: "Lubrication", status: "warning", remainingShots: 50, progress: 0.9 },
    ]);
  });
  test("GraphQL maintenancePlans: the plant's plans in the asked states, most urgent first, with their tool or machine", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const tool = await newTool();
    const plan = async (owner: string, input: Record<string, unknown>) =>
      (await engineer.post(`/api/v1/${owner}/maintenance-plans`, { activity: "inspection", ...input })).body
        .id as string;
    const warning = await plan(`tools/${tool}`, { name: "Warn", interval_shots: 1000 });
    const overdue = await plan(`tools/${tool}`, { name: "Over", interval_shots: 100 });
    const quiet = await plan(`tools/${tool}`, { name: "Quiet", interval_shots: 1_000_000 });
    const due = await plan(`machines/${machines[0].id}`, {
      name: "Due",
      interval_days: 10,
      last_done_at: new Date(Date.now() - 10.5 * DAY).toISOString(),
    });
    const stopped = await plan(`tools/${tool}`, { name: "Stopped", interval_shots: 10, active: false });
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 950 });

    const ask = (variables: Record<string, unknown>, auth = t.adminAuth) =>
      graphql(
        t.app,
        `
          query ($status: [PlanStatus!], $first: Int) {
            maintenancePlans(status: $status, first: $first) {
              id
              name
              status
              tool {
                id
              }
              machine {
                id
              }
            }
          }
        `,
        variables,
        auth,
      );
    const mine = (items: { id: string }[]) =>
      items.filter((p) => [warning, overdue, quiet, due, stopped].includes(p.id)).map((p) => p.id);

    const attention = await ask({});
    assert.equal(attention.status, 200, JSON.stringify(attention.body));
    const plans = attention.body.data!.maintenancePlans;
    assert.deepEqual(mine(plans), [overdue, due, warning], "default: warning, due and overdue, most urgent first");
    const statuses = plans.map((p: { status: string }) => p.status);
    assert.deepEqual(
      statuses,
      [...statuses].sort(
        (a: string, b: string) => ["overdue", "due", "warning"].indexOf(a) - ["overdue", "due", "warning"].indexOf(b),
      ),
      "ordered by urgency across the plant",
    );
    const byId = new Map(plans.map((p: { id: string }) => [p.id, p]));
    assert.deepEqual(byId.get(overdue), {
      id: overdue,
      name: "Over",
      status: "overdue",
      tool: { id: tool },
      machine: null,
    });
    assert.deepEqual(byId.get(due), {
      id: due,
      name: "Due",
      status: "due",
      tool: null,
      machine: { id: machines[0].id },
    });

    assert.deepEqual(mine((await ask({ status: ["not_due"] })).body.data!.maintenancePlans), [quiet]);
    assert.equal((await ask({ first: 1 })).body.data!.maintenancePlans.length, 1);

    // Bad input: named at the field, no data.
    for (const [variables, field] of [
      [{ first: 0 }, "limit"],
      [{ first: 501 }, "limit"],
      [{ status: [] }, "status"],
    ] as const) {
      const res = await ask(variables);
      assert.equal(res.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(res.body));
      assert.ok(
        res.body.errors[0].extensions.details.some((d: { field: string }) => d.field === field),
        JSON.stringify(res.body.errors),
      );
    }
    const wrongType = await ask({ status: ["soon"] });
    assert.ok(wrongType.body.errors?.length, "an unknown status is refused by the schema");
    // Every role reads plans; without a session there is nothing.
    const viewer = (await t.userWithRole("viewer")).auth;
    assert.deepEqual(mine((await ask({}, viewer)).body.data!.maintenancePlans), [overdue, due, warning]);
    assert.equal((await ask({}, {})).body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  });
});
