import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  reasonId,
  restClient,
  type TestApp,
} from "./helpers.ts";

/**
 * The worked example of docs/kpis.md, to the minute: one line, two machines, one day
 * (2026-03-02T00:00Z – 2026-03-03T00:00Z).
 */
const EXAMPLE: Record<"m1" | "m2", [start: string, end: string, reason: string | null][]> = {
  m1: [
    ["2026-03-01T22:00:00Z", "2026-03-02T01:00:00Z", "BREAKDOWN_HYDRAULIC"], // began the day before: 60 min inside, no failure
    ["2026-03-02T06:00:00Z", "2026-03-02T06:45:00Z", "TOOL_EJECTION"], // failure, 45 min
    ["2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z", "CHANGEOVER_MOULD"], // planned, 120 min
    ["2026-03-02T14:00:00Z", "2026-03-02T14:30:00Z", "MATERIAL_EMPTY"], // unplanned, not a failure
    ["2026-03-02T20:00:00Z", "2026-03-02T20:15:00Z", null], // no reason: counts as a failure
  ],
  m2: [
    ["2026-03-02T00:00:00Z", "2026-03-02T08:00:00Z", "NOT_SCHEDULED"], // excluded, 480 min
    ["2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z", "BREAKDOWN_ELECTRICAL"], // failure, 120 min
    ["2026-03-02T23:00:00Z", "2026-03-03T01:00:00Z", "BREAKDOWN_HEATING"], // failure, 60 min inside the day
  ],
};
const DAY = "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z";

forEachBackend("KPIs", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let line: { id: string };
  let m1: string;
  let m2: string;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    const plant = await createLineWithMachines(t, 2);
    line = plant.line;
    [m1, m2] = plant.machines.map((m) => m.id);
    for (const [machine, rows] of [
      [m1, EXAMPLE.m1],
      [m2, EXAMPLE.m2],
    ] as const) {
      for (const [start, end, reason] of rows) {
        const res = await admin.post("/api/v1/downtimes", {
          machine_id: machine,
          start_datetime: start,
          end_datetime: end,
          ...(reason ? { reason_id: await reasonId(t.runtime, reason) } : {}),
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    }
  });
  after(() => t.close());

  test("machine 1 of the worked example", async () => {
    const res = await admin.get(`/api/v1/analytics/kpis?machine_id=${m1}&${DAY}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      from: "2026-03-02T00:00:00.000Z",
      to: "2026-03-03T00:00:00.000Z",
      machines: 1,
      period_minutes: 1440,
      planned_minutes: 120,
      excluded_minutes: 0,
      unplanned_minutes: 150,
      planned_busy_minutes: 1320,
      failures: 2,
      availability: 0.8864, // 1170 / 1320
      mttr_hours: 0.5, // 60 min / 2
      mtbf_hours: 9.75, // 1170 min / 2
    });
  });

  test("machine 2 of the worked example", async () => {
    const res = await admin.get(`/api/v1/analytics/kpis?machine_id=${m2}&${DAY}`);
    assert.deepEqual(
      { ...res.body, from: undefined, to: undefined },
      {
        from: undefined,
        to: undefined,
        machines: 1,
        period_minutes: 1440,
        planned_minutes: 0,
        excluded_minutes: 480,
        unplanned_minutes: 180,
        planned_busy_minutes: 960,
        failures: 2,
        availability: 0.8125, // 780 / 960
        mttr_hours: 1.5, // 180 min / 2
        mtbf_hours: 6.5, // 780 min / 2
      },
    );
  });

  test("the line sums the components; it is not the average of the machines' ratios", async () => {
    const res = await admin.get(`/api/v1/analytics/kpis?line_id=${line.id}&${DAY}`);
    assert.deepEqual(
      { ...res.body, from: undefined, to: undefined },
      {
        from: undefined,
        to: undefined,
        machines: 2,
        period_minutes: 2880,
        planned_minutes: 120,
        excluded_minutes: 480,
        unplanned_minutes: 330,
        planned_busy_minutes: 2280,
        failures: 4,
        availability: 0.8553, // 1950 / 2280, not (0.8864 + 0.8125) / 2
        mttr_hours: 1, // 240 min / 4
        mtbf_hours: 8.125, // 1950 min / 4
      },
    );
  });

  test("the Pareto of the line, largest first, with the reason names", async () => {
    const res = await admin.get(`/api/v1/analytics/downtime-pareto?line_id=${line.id}&${DAY}`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.items.map((i: { reason_code: string | null; category: string; minutes: number; count: number }) => [
        i.reason_code,
        i.category,
        i.minutes,
        i.count,
      ]),
      [
        ["NOT_SCHEDULED", "excluded", 480, 1],
        ["BREAKDOWN_ELECTRICAL", "unplanned", 120, 1],
        ["CHANGEOVER_MOULD", "planned", 120, 1],
        ["BREAKDOWN_HEATING", "unplanned", 60, 1],
        ["BREAKDOWN_HYDRAULIC", "unplanned", 60, 1],
        ["TOOL_EJECTION", "unplanned", 45, 1],
        ["MATERIAL_EMPTY", "unplanned", 30, 1],
        [null, "unplanned", 15, 1],
      ],
    );
    assert.ok(res.body.items[0].reason_name, "names come with the ids");
    const unplannedTop = await admin.get(
      `/api/v1/analytics/downtime-pareto?line_id=${line.id}&${DAY}&category=unplanned&top_level=true`,
    );
    assert.deepEqual(
      unplannedTop.body.items.map((i: { reason_code: string | null; minutes: number; count: number }) => [
        i.reason_code,
        i.minutes,
        i.count,
      ]),
      [
        ["BREAKDOWN", 240, 3],
        ["TOOL", 45, 1],
        ["MATERIAL", 30, 1],
        [null, 15, 1],
      ],
    );
  });

  test("an ongoing downtime counts up to now; time after now is not counted", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const started = new Date(Date.now() - 90 * 60_000).toISOString();
    await admin.post("/api/v1/downtimes", { machine_id: machines[0].id, start_datetime: started });
    const from = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const res = await admin.get(
      `/api/v1/analytics/kpis?machine_id=${machines[0].id}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    assert.equal(res.status, 200);
    assert.ok(Math.abs(res.body.unplanned_minutes - 90) < 0.5, String(res.body.unplanned_minutes));
    assert.ok(Math.abs(res.body.period_minutes - 180) < 0.5, String(res.body.period_minutes));
    assert.equal(res.body.failures, 1);
    assert.ok(Math.abs(res.body.availability - 0.5) < 0.01);
  });

  test("the plant includes every machine; GraphQL gives the same figures as REST", async () => {
    const rest = await admin.get(`/api/v1/analytics/kpis?${DAY}`);
    assert.ok(rest.body.machines >= 2);
    assert.equal(rest.body.unplanned_minutes, 330, "no other machine was down that day");
    const gql = await graphql(
      t.app,
      `
        query ($l: ID!) {
          kpis(lineId: $l, from: "2026-03-02", to: "2026-03-03") {
            availability
            failures
            mttrHours
            mtbfHours
            plannedBusyMinutes
            unplannedMinutes
            plannedMinutes
          }
          downtimePareto(lineId: $l, from: "2026-03-02", to: "2026-03-03", topLevel: true, category: "unplanned") {
            items {
              reasonCode
              minutes
              count
            }
          }
        }
      `,
      { l: line.id },
      (await t.userWithRole("viewer")).auth,
    );
    assert.deepEqual(gql.body.data!.kpis, {
      availability: 0.8553,
      failures: 4,
      mttrHours: 1,
      mtbfHours: 8.125,
      plannedBusyMinutes: 2280,
      unplannedMinutes: 330,
      plannedMinutes: 120,
    });
    assert.equal(gql.body.data!.downtimePareto.items[0].reasonCode, "BREAKDOWN");
  });

  test("a period without failures has no MTTR/MTBF; bad scopes and periods are 422s", async () => {
    const quiet = await admin.get(`/api/v1/analytics/kpis?machine_id=${m1}&from=2026-01-01&to=2026-01-02`);
    assert.deepEqual(
      [quiet.body.availability, quiet.body.failures, quiet.body.mttr_hours, quiet.body.mtbf_hours],
      [1, 0, null, null],
    );
    for (const [query, field] of [
      [`machine_id=${m1}&line_id=${line.id}`, "line_id"],
      [`machine_id=no-such-machine`, "machine_id"],
      [`line_id=no-such-line`, "line_id"],
      [`from=2026-03-03&to=2026-03-02`, "to"],
      [`from=2026-03-02T00:00:00&to=2026-03-03`, "from"],
      [`from=1900-01-01&to=2026-03-03`, "from"],
      [`from=2000-01-01&to=2099-01-01`, "from"],
      [`period=week`, "period"],
    ]) {
      const res = await admin.get(`/api/v1/analytics/kpis?${query}`);
      assert.equal(res.status, 422, `${query} → ${res.status}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${field} in ${JSON.stringify(res.body.error.details)}`,
      );
    }
    assert.equal((await restClient(t.app, {}).get(`/api/v1/analytics/kpis?${DAY}`)).status, 401);
  });
});
