import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  reasonId,
  restClient,
  type TestApp,
  rowCount,
} from "./helpers.ts";

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

forEachBackend("downtimes", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let operator: ReturnType<typeof restClient>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    operator = restClient(t.app, (await t.userWithRole("operator")).auth);
  });
  after(() => t.close());

  const machineStatus = async (id: string) => (await admin.get(`/api/v1/machines/${id}`)).body.status;
  const downtimeCount = () => rowCount(t.runtime, "downtimes");

  test("an operator starts a downtime now; the machine goes down; ending it restores the status before", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const machine = machines[0];
    await admin.patch(`/api/v1/machines/${machine.id}`, { status: "maintenance" });

    const started = await operator.post("/api/v1/downtimes", { machine_id: machine.id });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.ongoing, true);
    assert.equal(started.body.end_datetime, null);
    assert.equal(started.body.category, "unplanned");
    assert.equal(started.body.source, "operator");
    assert.ok(Math.abs(Date.parse(started.body.start_datetime) - Date.now()) < 5_000);
    assert.equal(await machineStatus(machine.id), "down");

    const reason = await reasonId(t.runtime, "BREAKDOWN_HYDRAULIC");
    const ended = await operator.post(`/api/v1/downtimes/${started.body.id}/end`, { reason_id: reason });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.ongoing, false);
    assert.equal(ended.body.reason_id, reason);
    assert.ok(ended.body.duration_minutes >= 0);
    assert.equal(await machineStatus(machine.id), "maintenance", "the status before the downtime comes back");
    assert.equal(await auditCount(t.runtime, "machine.status"), 2);

    const again = await operator.post(`/api/v1/downtimes/${started.body.id}/end`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.details[0].code, "already_ended");
  });

  test("a planned ongoing downtime does not mark the machine down", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const changeover = await reasonId(t.runtime, "CHANGEOVER_MOULD");
    const res = await operator.post("/api/v1/downtimes", { machine_id: machines[0].id, reason_id: changeover });
    assert.equal(res.status, 201);
    assert.equal(res.body.category, "planned", "the reason decides the category");
    assert.equal(await machineStatus(machines[0].id), "operational");
  });

  test("start + end and start + duration are recorded; other time zones are normalised to UTC", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const withEnd = await operator.post("/api/v1/downtimes", {
      machine_id: machines[0].id,
      start_datetime: "2026-03-01T07:00:00+01:00",
      end_datetime: "2026-03-01T02:30:00-05:00",
    });
    assert.equal(withEnd.status, 201, JSON.stringify(withEnd.body));
    assert.equal(withEnd.body.start_datetime, "2026-03-01T06:00:00.000Z");
    assert.equal(withEnd.body.end_datetime, "2026-03-01T07:30:00.000Z");
    assert.equal(withEnd.body.duration_minutes, 90);

    const withDuration = await operator.post("/api/v1/downtimes", {
      machine_id: machines[0].id,
      start_datetime: "2026-03-01T10:00:00.000Z",
      duration_minutes: 12.5,
    });
    assert.equal(withDuration.status, 201);
    assert.equal(withDuration.body.end_datetime, "2026-03-01T10:12:30.000Z");
    assert.equal(withDuration.body.duration_minutes, 12.5);
    assert.equal(await machineStatus(machines[0].id), "operational", "a past downtime leaves the status alone");
  });

  test("bad times, durations, ids and reasons are 422s with field details, and store nothing", async () => {
    const a = await createLineWithMachines(t, 1);
    const b = await createLineWithMachines(t, 1);
    const machine = a.machines[0].id;
    const before = await downtimeCount();
    const planned = await reasonId(t.runtime, "CHANGEOVER_MOULD");
    const cases: [unknown, string, string?][] = [
      [
        { machine_id: machine, start_datetime: "2026-03-01T10:00:00Z", end_datetime: "2026-03-01T09:00:00Z" },
        "end_datetime",
        "end_before_start",
      ],
      [{ machine_id: machine, start_datetime: "2026-03-01T10:00:00Z", duration_minutes: 0 }, "duration_minutes"],
      [{ machine_id: machine, start_datetime: "2026-03-01T10:00:00Z", duration_minutes: -5 }, "duration_minutes"],
      [{ machine_id: machine, start_datetime: "2026-03-01T10:00:00Z", duration_minutes: 1e12 }, "duration_minutes"],
      [{ machine_id: machine, start_datetime: "2026-03-01T10:00:00Z", duration_minutes: "ten" }, "duration_minutes"],
      [
        {
          machine_id: machine,
          start_datetime: "2026-03-01T10:00:00Z",
          end_datetime: "2026-03-01T11:00:00Z",
          duration_minutes: 60,
        },
        "duration_minutes",
        "conflicting_fields",
      ],
      [
        { machine_id: machine, start_datetime: "2015-03-01T10:00:00Z", end_datetime: "2026-03-01T11:00:00Z" },
        "end_datetime",
        "too_long",
      ],
      [{ machine_id: machine, start_datetime: "2026-03-01T10:00:00" }, "start_datetime"],
      [{ machine_id: machine, start_datetime: "yesterday" }, "start_datetime"],
      [{ machine_id: machine, start_datetime: "1970-01-01T00:00:00Z" }, "start_datetime"],
      [
        { machine_id: machine, start_datetime: new Date(Date.now() + 2 * HOUR).toISOString() },
        "start_datetime",
        "future",
      ],
      [{ machine_id: "01a00000-0000-7000-8000-000000000000" }, "machine_id", "not_found"],
      [{ machine_id: machine, line_id: b.line.id }, "line_id", "line_mismatch"],
      [{ machine_id: machine, reason_id: "nope" }, "reason_id", "not_found"],
      [{ machine_id: machine, category: "unplanned", reason_id: planned }, "reason_id", "category_mismatch"],
      [{ machine_id: machine, category: "sometimes" }, "category"],
      [{ machine_id: machine, created_by: "someone-else" }, "created_by", "unknown_field"],
      [{}, "machine_id"],
    ];
    for (const [payload, field, code] of cases) {
      const res = await operator.post("/api/v1/downtimes", payload);
      assert.equal(res.status, 422, `${JSON.stringify(payload)} → ${res.status} ${JSON.stringify(res.body)}`);
      const detail = res.body.error.details.find((d: { field: string }) => d.field === field);
      assert.ok(detail, `${field} in ${JSON.stringify(res.body.error.details)}`);
      if (code) assert.equal(detail.code, code);
    }
    assert.equal(await downtimeCount(), before);
    assert.equal(await machineStatus(machine), "operational");
  });

  test("overlapping downtimes of one machine are refused (409); touching ones are fine", async () => {
    const { machines } = await createLineWithMachines(t, 2);
    const [m1, m2] = machines.map((m) => m.id);
    const first = await operator.post("/api/v1/downtimes", {
      machine_id: m1,
      start_datetime: "2026-04-01T08:00:00Z",
      end_datetime: "2026-04-01T09:00:00Z",
    });
    assert.equal(first.status, 201);
    for (const [start, end] of [
      ["2026-04-01T08:30:00Z", "2026-04-01T09:30:00Z"],
      ["2026-04-01T07:30:00Z", "2026-04-01T08:01:00Z"],
      ["2026-04-01T07:00:00Z", "2026-04-01T10:00:00Z"],
      ["2026-04-01T08:10:00Z", "2026-04-01T08:20:00Z"],
    ]) {
      const clash = await operator.post("/api/v1/downtimes", {
        machine_id: m1,
        start_datetime: start,
        end_datetime: end,
      });
      assert.equal(clash.status, 409, `${start}–${end}`);
      assert.equal(clash.body.error.details[0].code, "overlap");
      assert.match(clash.body.error.details[0].message, new RegExp(first.body.id));
    }
    const touching = await operator.post("/api/v1/downtimes", {
      machine_id: m1,
      start_datetime: "2026-04-01T09:00:00Z",
      end_datetime: "2026-04-01T09:10:00Z",
    });
    assert.equal(touching.status, 201);
    const otherMachine = await operator.post("/api/v1/downtimes", {
      machine_id: m2,
      start_datetime: "2026-04-01T08:30:00Z",
      end_datetime: "2026-04-01T09:30:00Z",
    });
    assert.equal(otherMachine.status, 201);

    // An ongoing downtime reaches to now: a past record after its start overlaps it.
    const ongoing = await operator.post("/api/v1/downtimes", { machine_id: m2, start_datetime: ago(2 * HOUR) });
    assert.equal(ongoing.status, 201);
    const second = await operator.post("/api/v1/downtimes", { machine_id: m2 });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.details[0].code, "ongoing_exists");
    const inside = await operator.post("/api/v1/downtimes", {
      machine_id: m2,
      start_datetime: ago(HOUR),
      duration_minutes: 10,
    });
    assert.equal(inside.status, 409);
  });

  test("concurrent starts for one machine: exactly one wins, the others get 409", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const before = await downtimeCount();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => operator.post("/api/v1/downtimes", { machine_id: machines[0].id })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(","));
    assert.equal(statuses.filter((s) => s === 409).length, 11, statuses.join(","));
    assert.equal(await downtimeCount(), before + 1);
    assert.equal(await machineStatus(machines[0].id), "down");
  });

  test("concurrent overlapping records for one machine: exactly one is stored", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        operator.post("/api/v1/downtimes", {
          machine_id: machines[0].id,
          start_datetime: `2026-05-01T08:0${i}:00Z`,
          duration_minutes: 30,
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 1, results.map((r) => r.status).join(","));
    assert.ok(results.every((r) => r.status === 201 || r.status === 409));
  });

  test("operators pick reasons and notes; only engineers correct times or category; deletes are soft", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    const created = await operator.post("/api/v1/downtimes", {
      machine_id: machines[0].id,
      start_datetime: "2026-06-01T08:00:00Z",
      duration_minutes: 30,
    });
    const url = `/api/v1/downtimes/${created.body.id}`;
    const noMaterial = await reasonId(t.runtime, "MATERIAL_EMPTY");
    const picked = await operator.patch(url, { reason_id: noMaterial, note: "silo empty" });
    assert.equal(picked.status, 200);
    assert.equal(picked.body.note, "silo empty");
    assert.equal((await operator.patch(url, { duration_minutes: 5 })).status, 403);
    assert.equal((await operator.patch(url, { category: "excluded" })).status, 403);
    assert.equal((await operator.delete(url)).status, 403);

    const corrected = await engineer.patch(url, { start_datetime: "2026-06-01T08:10:00+00:00" });
    assert.equal(corrected.status, 200);
    assert.equal(corrected.body.end_datetime, "2026-06-01T08:30:00.000Z", "the end stays, the duration follows");
    assert.equal(corrected.body.duration_minutes, 20);
    const wrongCategory = await engineer.patch(url, { category: "planned" });
    assert.equal(wrongCategory.status, 422, "the kept reason is unplanned");
    assert.equal(wrongCategory.body.error.details[0].field, "category");
    const endBeforeStart = await engineer.patch(url, { end_datetime: "2026-06-01T08:00:00Z" });
    assert.equal(endBeforeStart.status, 422);

    const deleted = await engineer.delete(url);
    assert.equal(deleted.status, 200);
    assert.equal((await admin.get(url)).status, 404);
    assert.equal(await auditCount(t.runtime, "downtime.delete"), 1);
    const row = await t.runtime.db.kysely
      .selectFrom("downtimes")
      .select("deleted_at")
      .where("id", "=", created.body.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.deleted_at, "the record stays, marked deleted");
  });

  test("a retired machine takes no new downtimes and cannot retire while one is ongoing", async () => {
    const { machines } = await createLineWithMachines(t, 2);
    const manager = restClient(t.app, (await t.userWithRole("manager")).auth);
    await operator.post("/api/v1/downtimes", { machine_id: machines[0].id });
    const blocked = await manager.patch(`/api/v1/machines/${machines[0].id}`, { status: "retired" });
    assert.equal(blocked.status, 409);
    await manager.patch(`/api/v1/machines/${machines[1].id}`, { status: "retired" });
    const res = await operator.post("/api/v1/downtimes", { machine_id: machines[1].id });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.details[0].code, "retired");
  });

  test("lists filter by machine, ongoing and period", async () => {
    const { line, machines } = await createLineWithMachines(t, 2);
    for (const [m, start] of [
      [0, "2026-07-01T08:00:00Z"],
      [0, "2026-07-02T08:00:00Z"],
      [1, "2026-07-03T08:00:00Z"],
    ] as const) {
      await operator.post("/api/v1/downtimes", {
        machine_id: machines[m].id,
        start_datetime: start,
        duration_minutes: 60,
      });
    }
    await operator.post("/api/v1/downtimes", { machine_id: machines[1].id });
    const ofMachine = await admin.get(`/api/v1/downtimes?machine_id=${machines[0].id}`);
    assert.deepEqual(
      ofMachine.body.items.map((d: { start_datetime: string }) => d.start_datetime),
      ["2026-07-02T08:00:00.000Z", "2026-07-01T08:00:00.000Z"],
    );
    const ongoing = await admin.get(`/api/v1/downtimes?line_id=${line.id}&ongoing=true`);
    assert.equal(ongoing.body.items.length, 1);
    const period = await admin.get(
      `/api/v1/downtimes?line_id=${line.id}&from=2026-07-01T08:30:00Z&to=2026-07-02T12:00:00Z`,
    );
    assert.equal(period.body.items.length, 2, "overlapping the period, including one that began before it");
  });

  test("GraphQL: start, end with a reason, and read the machine's current downtime", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const opAuth = (await t.userWithRole("operator")).auth;
    const start = await graphql(
      t.app,
      `
        mutation ($m: ID!) {
          createDowntime(input: { machineId: $m }) {
            id
            ongoing
            machine {
              status
            }
          }
        }
      `,
      { m: machines[0].id },
      opAuth,
    );
    assert.equal(start.body.data!.createDowntime.machine.status, "down");
    const current = await graphql(
      t.app,
      `
        query ($m: ID!) {
          machine(id: $m) {
            status
            currentDowntime {
              id
            }
          }
        }
      `,
      { m: machines[0].id },
      opAuth,
    );
    assert.equal(current.body.data!.machine.currentDowntime.id, start.body.data!.createDowntime.id);
    const reason = await reasonId(t.runtime, "TOOL_EJECTION");
    const end = await graphql(
      t.app,
      `
        mutation ($id: ID!, $r: ID) {
          endDowntime(id: $id, reasonId: $r) {
            ongoing
            reason {
              code
              parent {
                code
              }
            }
            machine {
              status
              currentDowntime {
                id
              }
            }
          }
        }
      `,
      { id: start.body.data!.createDowntime.id, r: reason },
      opAuth,
    );
    assert.deepEqual(end.body.data!.endDowntime, {
      ongoing: false,
      reason: { code: "TOOL_EJECTION", parent: { code: "TOOL" } },
      machine: { status: "operational", currentDowntime: null },
    });
    const second = await graphql(
      t.app,
      `
        mutation ($m: ID!) {
          a: createDowntime(input: { machineId: $m }) {
            id
          }
        }
      `,
      { m: machines[0].id },
      opAuth,
    );
    assert.ok(second.body.data!.a.id);
    const clash = await graphql(
      t.app,
      `
        mutation ($m: ID!) {
          createDowntime(input: { machineId: $m }) {
            id
          }
        }
      `,
      { m: machines[0].id },
      opAuth,
    );
    assert.equal(clash.body.errors![0].extensions.code, "CONFLICT");
    const forbidden = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          deleteDowntime(id: $id) {
            id
          }
        }
      `,
      { id: second.body.data!.a.id },
      opAuth,
    );
    assert.equal(forbidden.body.errors![0].extensions.code, "FORBIDDEN");
  });
});

forEachBackend("downtime reasons", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
  });
  after(() => t.close());

  test("the seeded tree is two levels deep, symptom-named, with changeover and planned maintenance planned", async () => {
    const all = (await admin.get("/api/v1/downtime-reasons?limit=500")).body.items as {
      id: string;
      parent_id: string | null;
      code: string;
      category: string;
      counts_as_failure: boolean;
    }[];
    const byId = new Map(all.map((r) => [r.id, r]));
    for (const reason of all) {
      if (reason.parent_id) {
        const parent = byId.get(reason.parent_id)!;
        assert.equal(parent.parent_id, null, "two levels");
        assert.equal(reason.category, parent.category);
      }
    }
    const code = (c: string) => all.find((r) => r.code === c)!;
    assert.equal(code("CHANGEOVER").category, "planned");
    assert.equal(code("PLANNED_MAINTENANCE").category, "planned");
    assert.equal(code("BREAKDOWN").counts_as_failure, true);
    assert.equal(code("MATERIAL").counts_as_failure, false);
    assert.ok(code("OTHER"));
    const top = (await admin.get("/api/v1/downtime-reasons?top_level=true&limit=500")).body.items;
    assert.ok(top.every((r: { parent_id: string | null }) => r.parent_id === null));
  });

  test("engineers add children that inherit the category; a third level or a foreign category is refused", async () => {
    const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    const technician = restClient(t.app, (await t.userWithRole("technician")).auth);
    const parent = await reasonId(t.runtime, "BREAKDOWN");
    const child = await engineer.post("/api/v1/downtime-reasons", {
      parent_id: parent,
      code: "BREAKDOWN_PNEUMATIC",
      name: "Pneumatics",
    });
    assert.equal(child.status, 201, JSON.stringify(child.body));
    assert.equal(child.body.category, "unplanned");
    assert.equal(child.body.counts_as_failure, true);
    const deeper = await engineer.post("/api/v1/downtime-reasons", {
      parent_id: child.body.id,
      code: "DEEP",
      name: "x",
    });
    assert.equal(deeper.status, 422);
    assert.equal(deeper.body.error.details[0].code, "too_deep");
    const foreign = await engineer.post("/api/v1/downtime-reasons", {
      parent_id: parent,
      code: "X_PLANNED",
      name: "x",
      category: "planned",
    });
    assert.equal(foreign.status, 422);
    const noCategory = await engineer.post("/api/v1/downtime-reasons", { code: "TOP_NO_CAT", name: "x" });
    assert.equal(noCategory.status, 422);
    assert.equal(
      (await technician.post("/api/v1/downtime-reasons", { code: "T1", name: "x", category: "planned" })).status,
      403,
    );
    assert.equal(
      (await engineer.post("/api/v1/downtime-reasons", { parent_id: parent, code: "breakdown_pneumatic", name: "dup" }))
        .status,
      409,
    );
    assert.equal(
      (await engineer.patch(`/api/v1/downtime-reasons/${child.body.id}`, { category: "planned" })).status,
      422,
    );
  });

  test("a deactivated reason leaves the picker and cannot be chosen anew", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const id = await reasonId(t.runtime, "QUALITY");
    assert.equal((await admin.patch(`/api/v1/downtime-reasons/${id}`, { active: false })).status, 200);
    const list = (await admin.get("/api/v1/downtime-reasons?limit=500")).body.items;
    assert.ok(!list.some((r: { id: string }) => r.id === id));
    const res = await admin.post("/api/v1/downtimes", { machine_id: machines[0].id, reason_id: id });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.details[0].code, "inactive");
    const gql = await graphql(
      t.app,
      `
        {
          downtimeReasons(topLevel: true, first: 100) {
            edges {
              node {
                code
                children {
                  code
                  category
                }
              }
            }
          }
        }
      `,
      {},
      t.adminAuth,
    );
    const breakdown = gql.body.data!.downtimeReasons.edges.find(
      (e: { node: { code: string } }) => e.node.code === "BREAKDOWN",
    );
    assert.ok(breakdown.node.children.length >= 5);
  });
});
