import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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

forEachBackend("plant: lines and machines", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
  });
  after(() => t.close());

  const count = (table: "lines" | "machines") => rowCount(t.runtime, table);

  test("an engineer creates a line and machines on it; each write is audited", async () => {
    const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    const audits = await auditCount(t.runtime);
    const line = await engineer.post("/api/v1/lines", {
      code: "INJ-A",
      name: "Injection hall A",
      description: "Hall A",
    });
    assert.equal(line.status, 201, JSON.stringify(line.body));
    assert.deepEqual(
      { code: line.body.code, status: line.body.status, active: line.body.active },
      { code: "INJ-A", status: "running", active: true },
    );
    const machine = await engineer.post("/api/v1/machines", {
      line_id: line.body.id,
      code: "P-101",
      name: "Engel e-mac 180",
      manufacturer: "Engel",
      serial_number: "SN-1",
    });
    assert.equal(machine.status, 201, JSON.stringify(machine.body));
    assert.equal(machine.body.status, "operational");
    assert.equal(machine.body.line_id, line.body.id);
    assert.equal(machine.body.status_before_down, undefined, "internal columns stay inside");
    assert.equal(await auditCount(t.runtime), audits + 2);

    const fetched = await engineer.get(`/api/v1/machines/${machine.body.id}`);
    assert.deepEqual(fetched.body, machine.body);
  });

  test("codes are unique regardless of case (409) and a duplicate stores nothing", async () => {
    const lines = await count("lines");
    await admin.post("/api/v1/lines", { code: "DUP-1", name: "x" });
    const again = await admin.post("/api/v1/lines", { code: "dup-1", name: "y" });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.details[0].field, "code");
    assert.equal(await count("lines"), lines + 1);
  });

  test("bad input is a 422 with field details and stores nothing", async () => {
    const { line } = await createLineWithMachines(t, 0);
    const lines = await count("lines");
    const machines = await count("machines");
    const cases: [string, unknown, string][] = [
      ["/api/v1/lines", { name: "no code" }, "code"],
      ["/api/v1/lines", { code: "ok", name: 42 }, "name"],
      ["/api/v1/lines", { code: "has space", name: "x" }, "code"],
      ["/api/v1/lines", { code: "X".repeat(33), name: "x" }, "code"],
      ["/api/v1/lines", { code: "OK-2", name: "x", status: "exploded" }, "status"],
      ["/api/v1/lines", { code: "OK-3", name: "x", colour: "red" }, "colour"],
      ["/api/v1/machines", { line_id: "no-such-line", code: "MX", name: "x" }, "line_id"],
      ["/api/v1/machines", { line_id: line.id, code: "MX", name: "x", status: "retired" }, "status"],
      ["/api/v1/machines", { line_id: line.id, code: "MX", name: "" }, "name"],
      ["/api/v1/machines", { line_id: line.id, code: "MX", name: "x", notes: "n".repeat(4001) }, "notes"],
    ];
    for (const [url, payload, field] of cases) {
      const res = await admin.post(url, payload);
      assert.equal(res.status, 422, `${JSON.stringify(payload)} → ${res.status}`);
      assert.equal(res.body.error.code, "VALIDATION_FAILED");
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${field} in ${JSON.stringify(res.body.error.details)}`,
      );
    }
    const malformed = await t.app.inject({
      method: "POST",
      url: "/api/v1/lines",
      headers: { ...t.adminAuth, "content-type": "application/json" },
      payload: "{not json",
    });
    assert.equal(malformed.statusCode, 400);
    const wrongType = await t.app.inject({
      method: "POST",
      url: "/api/v1/lines",
      headers: { ...t.adminAuth, "content-type": "text/plain" },
      payload: "code=L",
    });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(await count("lines"), lines);
    assert.equal(await count("machines"), machines);
  });

  test("viewers read, operators cannot create lines or machines, and anonymous callers get 401", async () => {
    const { line } = await createLineWithMachines(t, 1);
    const viewer = restClient(t.app, (await t.userWithRole("viewer")).auth);
    const operator = restClient(t.app, (await t.userWithRole("operator")).auth);
    assert.equal((await viewer.get(`/api/v1/lines/${line.id}`)).status, 200);
    assert.equal((await viewer.get(`/api/v1/machines?line_id=${line.id}`)).body.items.length, 1);
    assert.equal((await operator.post("/api/v1/lines", { code: "OP-L", name: "x" })).status, 403);
    assert.equal((await operator.patch(`/api/v1/lines/${line.id}`, { name: "renamed" })).status, 403);
    const anonymous = restClient(t.app, {});
    assert.equal((await anonymous.get("/api/v1/lines")).status, 401);
    assert.equal((await admin.get("/api/v1/lines/01a00000-0000-7000-8000-000000000000")).status, 404);
  });

  test("machines filter by line, status and text, and page with cursors", async () => {
    const { line, machines } = await createLineWithMachines(t, 5);
    await admin.patch(`/api/v1/machines/${machines[0].id}`, { status: "maintenance", serial_number: "XZ-99" });
    const byStatus = await admin.get(`/api/v1/machines?line_id=${line.id}&status=maintenance`);
    assert.deepEqual(
      byStatus.body.items.map((m: { id: string }) => m.id),
      [machines[0].id],
    );
    const byText = await admin.get(`/api/v1/machines?q=xz-9`);
    assert.deepEqual(
      byText.body.items.map((m: { id: string }) => m.id),
      [machines[0].id],
    );
    const literal = await admin.get(`/api/v1/machines?q=${encodeURIComponent("%")}`);
    assert.equal(literal.body.items.length, 0, "% is searched for literally");

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; next_cursor: string | null } } = await admin.get(
        `/api/v1/machines?line_id=${line.id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((m) => m.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepEqual(
      seen,
      machines.map((m) => m.id),
    );
    assert.equal((await admin.get("/api/v1/machines?limit=501")).status, 422);
    assert.equal((await admin.get("/api/v1/machines?cursor=garbage")).status, 422);
    assert.equal((await admin.get("/api/v1/machines?status=broken")).status, 422);
  });

  test("retiring: managers only; a line with machines in service cannot retire; retired records leave lists", async () => {
    const { line, machines } = await createLineWithMachines(t, 1);
    const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    const manager = restClient(t.app, (await t.userWithRole("manager")).auth);
    assert.equal((await engineer.patch(`/api/v1/machines/${machines[0].id}`, { status: "retired" })).status, 403);
    const lineRetire = await manager.patch(`/api/v1/lines/${line.id}`, { active: false });
    assert.equal(lineRetire.status, 409);

    const retired = await manager.patch(`/api/v1/machines/${machines[0].id}`, { status: "retired" });
    assert.equal(retired.status, 200);
    assert.equal(retired.body.status, "retired");
    assert.ok(retired.body.retired_at);
    assert.equal((await admin.get(`/api/v1/machines?line_id=${line.id}`)).body.items.length, 0);
    assert.equal((await admin.get(`/api/v1/machines?line_id=${line.id}&include_retired=true`)).body.items.length, 1);
    assert.equal((await admin.get(`/api/v1/machines?line_id=${line.id}&status=retired`)).body.items.length, 1);

    assert.equal((await manager.patch(`/api/v1/lines/${line.id}`, { active: false })).status, 200);
    const lines = await admin.get("/api/v1/lines?limit=500");
    assert.ok(!lines.body.items.some((l: { id: string }) => l.id === line.id));
    assert.equal(
      (await admin.post("/api/v1/machines", { line_id: line.id, code: "ON-RETIRED", name: "x" })).status,
      422,
      "no new machines on a retired line",
    );
    assert.equal(await auditCount(t.runtime, "machine.retire"), 1);
    assert.equal(await auditCount(t.runtime, "line.retire"), 1);
  });

  test("a PATCH with null clears a nullable field; a machine moves to another active line", async () => {
    const a = await createLineWithMachines(t, 1);
    const b = await createLineWithMachines(t, 0);
    const id = a.machines[0].id;
    await admin.patch(`/api/v1/machines/${id}`, { manufacturer: "Arburg" });
    const cleared = await admin.patch(`/api/v1/machines/${id}`, { manufacturer: null, line_id: b.line.id });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.manufacturer, null);
    assert.equal(cleared.body.line_id, b.line.id);
    assert.equal((await admin.patch(`/api/v1/machines/${id}`, { line_id: "missing" })).status, 422);
  });

  test("GraphQL: lines with their machines, machines with their line, in a few queries", async () => {
    const { line } = await createLineWithMachines(t, 3);
    const res = await graphql(
      t.app,
      `
        query ($id: ID!) {
          line(id: $id) {
            code
            machines(first: 10) {
              edges {
                node {
                  code
                  status
                  line {
                    code
                  }
                }
              }
            }
          }
        }
      `,
      { id: line.id },
      t.adminAuth,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const nodes = res.body.data!.line.machines.edges.map((e: { node: unknown }) => e.node);
    assert.equal(nodes.length, 3);
    assert.ok(nodes.every((n: { line: { code: string } }) => n.line.code === line.code));

    const created = await graphql(
      t.app,
      `
        mutation ($input: CreateMachineInput!) {
          createMachine(input: $input) {
            id
            code
            assetNumber
          }
        }
      `,
      { input: { lineId: line.id, code: "GQL-1", name: "From GraphQL", assetNumber: "A-7" } },
      t.adminAuth,
    );
    assert.equal(created.body.data!.createMachine.assetNumber, "A-7");
    const duplicate = await graphql(
      t.app,
      `
        mutation ($input: CreateMachineInput!) {
          createMachine(input: $input) {
            id
          }
        }
      `,
      { input: { lineId: line.id, code: "gql-1", name: "Again" } },
      t.adminAuth,
    );
    assert.equal(duplicate.body.errors![0].extensions.code, "CONFLICT");
    const invalid = await graphql(
      t.app,
      `
        mutation {
          createLine(input: { code: "bad code", name: "x" }) {
            id
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(invalid.body.errors![0].extensions.code, "BAD_USER_INPUT");
    assert.equal(invalid.body.errors![0].extensions.details[0].field, "code");
  });
});
