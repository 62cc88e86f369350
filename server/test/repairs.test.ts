import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../src/ids.ts";
import {
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  type TestApp,
  rowCount,
} from "./helpers.ts";

forEachBackend("repairs", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let technician: ReturnType<typeof restClient>;
  let technicianId: string;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    const user = await t.userWithRole("technician");
    technician = restClient(t.app, user.auth);
    technicianId = user.id;
  });
  after(() => t.close());

  const repairCount = () => rowCount(t.runtime, "repairs");

  test("a technician records a repair: the line comes from the machine, the actor from the token", async () => {
    const { line, machines } = await createLineWithMachines(t, 1);
    const audits = await auditCount(t.runtime, "repair.create");
    const res = await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "Replace heater band zone 3",
      kind: "unscheduled",
      start_datetime: "2026-03-02T08:00:00+01:00",
      cause: "Heater band burnt out",
      actions_taken: "Replaced band, checked thermocouple",
      parts_used: "Heater band 60x50 230V",
      cost: 185.4,
      performed_by: technicianId,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.line_id, line.id);
    assert.equal(res.body.status, "open");
    assert.equal(res.body.start_datetime, "2026-03-02T07:00:00.000Z");
    assert.equal(res.body.cost, 185.4);
    assert.equal(res.body.created_by, technicianId);
    assert.equal(await auditCount(t.runtime, "repair.create"), audits + 1);

    const spoofed = await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "x",
      created_by: newId(),
    });
    assert.equal(spoofed.status, 422, "the actor is never taken from the body");
  });

  test("closing needs an end; the end is never before the start; close sets now by default", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const created = await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "Hydraulic hose",
      start_datetime: "2026-03-02T08:00:00Z",
    });
    const url = `/api/v1/repairs/${created.body.id}`;
    const noEnd = await technician.patch(url, { status: "closed" });
    assert.equal(noEnd.status, 422);
    assert.equal(noEnd.body.error.details[0].code, "required_to_close");
    const backwards = await technician.patch(url, { end_datetime: "2026-03-02T07:00:00Z" });
    assert.equal(backwards.status, 422);
    assert.equal(backwards.body.error.details[0].field, "end_datetime");
    const future = await technician.patch(url, { end_datetime: new Date(Date.now() + 86_400_000).toISOString() });
    assert.equal(future.status, 422);

    const closed = await technician.post(`${url}/close`, {});
    assert.equal(closed.status, 200);
    assert.equal(closed.body.status, "closed");
    assert.ok(Math.abs(Date.parse(closed.body.end_datetime) - Date.now()) < 5_000);
    assert.equal((await technician.post(`${url}/close`, {})).status, 409);
    const cleared = await technician.patch(url, { end_datetime: null });
    assert.equal(cleared.status, 422, "a closed repair keeps its end");
    const stored = (await admin.get(url)).body;
    assert.equal(stored.end_datetime, closed.body.end_datetime, "refused changes leave the record as it was");
  });

  test("bad input is a 422 with field details and stores nothing", async () => {
    const a = await createLineWithMachines(t, 1);
    const b = await createLineWithMachines(t, 1);
    const machine = a.machines[0].id;
    const before = await repairCount();
    const cases: [unknown, string][] = [
      [{ machine_id: machine }, "title"],
      [{ machine_id: machine, title: "x", line_id: b.line.id }, "line_id"],
      [{ machine_id: "01a00000-0000-7000-8000-000000000000", title: "x" }, "machine_id"],
      [{ machine_id: machine, title: "x", cost: -1 }, "cost"],
      [{ machine_id: machine, title: "x", cost: 1e15 }, "cost"],
      [{ machine_id: machine, title: "x", cost: "12" }, "cost"],
      [{ machine_id: machine, title: "x", kind: "sometimes" }, "kind"],
      [{ machine_id: machine, title: "x", status: "closed" }, "end_datetime"],
      [{ machine_id: machine, title: "x", failure_code_id: newId() }, "failure_code_id"],
      [{ machine_id: machine, title: "x", performed_by: newId() }, "performed_by"],
      [{ machine_id: machine, title: "x", downtime_id: newId() }, "downtime_id"],
      [{ machine_id: machine, title: "x", start_datetime: "2026-03-02 08:00" }, "start_datetime"],
      [{ machine_id: machine, title: "t".repeat(201) }, "title"],
    ];
    for (const [payload, field] of cases) {
      const res = await technician.post("/api/v1/repairs", payload);
      assert.equal(res.status, 422, `${JSON.stringify(payload)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${field} in ${JSON.stringify(res.body.error.details)}`,
      );
    }
    assert.equal(await repairCount(), before);
  });

  test("operators and viewers read repairs but cannot create or edit them, cost included", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const operator = restClient(t.app, (await t.userWithRole("operator")).auth);
    const created = await technician.post("/api/v1/repairs", { machine_id: machines[0].id, title: "x", cost: 10 });
    assert.equal((await operator.get(`/api/v1/repairs/${created.body.id}`)).status, 200);
    assert.equal((await operator.patch(`/api/v1/repairs/${created.body.id}`, { cost: 0 })).status, 403);
    assert.equal((await operator.post("/api/v1/repairs", { machine_id: machines[0].id, title: "y" })).status, 403);
    const gql = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          updateRepair(id: $id, input: { cost: 0 }) {
            cost
          }
        }
      `,
      { id: created.body.id },
      (await t.userWithRole("operator")).auth,
    );
    assert.equal(gql.body.errors![0].extensions.code, "FORBIDDEN");
    assert.equal((await admin.get(`/api/v1/repairs/${created.body.id}`)).body.cost, 10);
  });

  test("a repair and a downtime link both ways, once each, and only within one machine", async () => {
    const { machines } = await createLineWithMachines(t, 2);
    const operator = restClient(t.app, (await t.userWithRole("operator")).auth);
    const downtime = await operator.post("/api/v1/downtimes", {
      machine_id: machines[0].id,
      start_datetime: "2026-03-03T08:00:00Z",
      duration_minutes: 45,
    });
    const repair = await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "Ejector pin broken",
      downtime_id: downtime.body.id,
    });
    assert.equal(repair.status, 201, JSON.stringify(repair.body));
    assert.equal(repair.body.downtime_id, downtime.body.id);
    assert.equal((await admin.get(`/api/v1/downtimes/${downtime.body.id}`)).body.repair_id, repair.body.id);

    const second = await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "Second",
      downtime_id: downtime.body.id,
    });
    assert.equal(second.status, 409);
    const otherMachine = await technician.post("/api/v1/repairs", {
      machine_id: machines[1].id,
      title: "Other",
      downtime_id: downtime.body.id,
    });
    assert.equal(otherMachine.status, 422);

    const unlinked = await technician.patch(`/api/v1/repairs/${repair.body.id}`, { downtime_id: null });
    assert.equal(unlinked.body.downtime_id, null);
    assert.equal((await admin.get(`/api/v1/downtimes/${downtime.body.id}`)).body.repair_id, null);

    // …and from the downtime's side, by a technician (repair work).
    const relinked = await technician.patch(`/api/v1/downtimes/${downtime.body.id}`, { repair_id: repair.body.id });
    assert.equal(relinked.status, 200, JSON.stringify(relinked.body));
    assert.equal((await admin.get(`/api/v1/repairs/${repair.body.id}`)).body.downtime_id, downtime.body.id);
    assert.equal((await operator.patch(`/api/v1/downtimes/${downtime.body.id}`, { repair_id: null })).status, 403);
  });

  test("a failure code from the catalogue can be named", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const id = newId();
    const now = new Date().toISOString();
    await t.runtime.db.kysely
      .insertInto("failure_codes")
      .values({ id, code: "HYD-LEAK", name: "Hydraulic leak", active: true, created_at: now, updated_at: now })
      .execute();
    const res = await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "Leak",
      failure_code_id: id,
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.failure_code_id, id);
  });

  test("lists filter by machine, line, status and period; GraphQL shows the same records", async () => {
    const { line, machines } = await createLineWithMachines(t, 2);
    await technician.post("/api/v1/repairs", {
      machine_id: machines[0].id,
      title: "A",
      start_datetime: "2026-02-01T08:00:00Z",
      end_datetime: "2026-02-01T10:00:00Z",
      status: "closed",
    });
    await technician.post("/api/v1/repairs", {
      machine_id: machines[1].id,
      title: "B",
      start_datetime: "2026-02-05T08:00:00Z",
    });
    const byLine = await admin.get(`/api/v1/repairs?line_id=${line.id}`);
    assert.deepEqual(
      byLine.body.items.map((r: { title: string }) => r.title),
      ["B", "A"],
    );
    const open = await admin.get(`/api/v1/repairs?line_id=${line.id}&status=open`);
    assert.deepEqual(
      open.body.items.map((r: { title: string }) => r.title),
      ["B"],
    );
    const period = await admin.get(
      `/api/v1/repairs?line_id=${line.id}&from=2026-02-01T09:00:00Z&to=2026-02-02T00:00:00Z`,
    );
    assert.deepEqual(
      period.body.items.map((r: { title: string }) => r.title),
      ["A"],
    );
    const gql = await graphql(
      t.app,
      `
        query ($l: ID!) {
          repairs(lineId: $l, first: 10) {
            edges {
              node {
                title
                lineId
                machine {
                  code
                }
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      `,
      { l: line.id },
      t.adminAuth,
    );
    assert.deepEqual(
      gql.body.data!.repairs.edges.map((e: { node: { title: string } }) => e.node.title),
      ["B", "A"],
    );
    const created = await graphql(
      t.app,
      `
        mutation ($m: ID!) {
          createRepair(input: { machineId: $m, title: "From GraphQL", kind: scheduled, cost: 12.5 }) {
            id
            kind
            cost
            status
            lineId
          }
        }
      `,
      { m: machines[0].id },
      t.adminAuth,
    );
    assert.deepEqual(
      { ...created.body.data!.createRepair, id: undefined },
      { id: undefined, kind: "scheduled", cost: 12.5, status: "open", lineId: line.id },
    );
    const closed = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          closeRepair(id: $id, endDatetime: "2099-01-01T00:00:00Z") {
            status
          }
        }
      `,
      { id: created.body.data!.createRepair.id },
      t.adminAuth,
    );
    assert.equal(closed.body.errors![0].extensions.code, "BAD_USER_INPUT");
    assert.equal(closed.body.errors![0].extensions.details[0].field, "endDatetime");
  });
});
