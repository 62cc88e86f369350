import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  rowCount,
  type TestApp,
} from "./helpers.ts";

forEachBackend("failures", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let engineer: ReturnType<typeof restClient>;
  let engineerId: string;
  let technician: ReturnType<typeof restClient>;
  let operator: ReturnType<typeof restClient>;
  let operatorUser: { auth: Record<string, string> };
  let counter = 0;
  const codeId = async (code: string): Promise<string> => {
    const res = await admin.get(`/api/v1/failure-codes?q=${code}`);
    return res.body.items.find((c: { code: string }) => c.code === code).id;
  };
  const newTool = async (lifetimeShots = 0) => {
    const res = await admin.post("/api/v1/tools", {
      asset_number: `FT-${++counter}`,
      name: `Housing mould ${counter}`,
      cavity_count: 4,
      lifetime_shots: lifetimeShots,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };

  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    const e = await t.userWithRole("engineer");
    engineer = restClient(t.app, e.auth);
    engineerId = e.id;
    technician = restClient(t.app, (await t.userWithRole("technician")).auth);
    operatorUser = await t.userWithRole("operator");
    operator = restClient(t.app, operatorUser.auth);
  });
  after(() => t.close());

  test("the catalogue is seeded with moulding and machine failures, grouped by category", async () => {
    const all = await operator.get("/api/v1/failure-codes");
    assert.equal(all.status, 200);
    const names = all.body.items.map((c: { name: string }) => c.name);
    for (const name of [
      "Cooling issue",
      "Flash",
      "Short shot",
      "Ejector jam",
      "Corrosion",
      "Dimensional drift",
      "Sink marks",
      "Burn marks",
      "Gate wear",
      "Hot-runner leak",
      "Blocked venting",
      "Cracked insert",
      "Guide pin wear",
      "Sensor fault",
      "Hydraulic leak",
      "Electrical fault",
      "Heater band failure",
      "Screw or barrel wear",
      "Safety gate fault",
    ]) {
      assert.ok(names.includes(name), `${name} seeded`);
    }
    const flash = all.body.items.find((c: { code: string }) => c.code === "FL-010");
    assert.deepEqual([flash.category, flash.default_severity, flash.active], ["part_defect", "medium", true]);
    const categories = all.body.items.map((c: { category: string }) => c.category);
    assert.deepEqual(categories, [...categories].sort(), "ordered by category");
    const safety = await operator.get("/api/v1/failure-codes?category=machine_safety");
    assert.ok(safety.body.items.length >= 2);
    assert.ok(safety.body.items.every((c: { category: string }) => c.category === "machine_safety"));
  });

  test("engineers edit the catalogue; technicians may not; duplicates and bad codes are refused", async () => {
    const before = await rowCount(t.runtime, "failure_codes");
    const denied = await technician.post("/api/v1/failure-codes", {
      code: "FL-900",
      name: "Whatever",
      category: "part_defect",
    });
    assert.equal(denied.status, 403);
    const created = await engineer.post("/api/v1/failure-codes", {
      code: "fl-900",
      name: "Silver streaks",
      category: "part_defect",
      default_severity: "low",
      description: "Moisture in the material",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.code, "FL-900");
    assert.equal(await auditCount(t.runtime, "failure_code.create"), 1);
    const duplicate = await engineer.post("/api/v1/failure-codes", { code: "FL-900", name: "x", category: "x" });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.error.details[0].field, "code");
    for (const [body, field] of [
      [{ code: "FL 901", name: "x", category: "part_defect" }, "code"],
      [{ code: "FL-901", name: "", category: "part_defect" }, "name"],
      [{ code: "FL-901", name: "x", category: "Part Defect" }, "category"],
      [{ code: "FL-901", name: "x", category: "part_defect", default_severity: "fatal" }, "default_severity"],
      [{ code: "FL-901", name: "x", category: "part_defect", colour: "red" }, "colour"],
      [{ code: 901, name: "x", category: "part_defect" }, "code"],
    ] as const) {
      const res = await engineer.post("/api/v1/failure-codes", body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        JSON.stringify(res.body),
      );
    }
    assert.equal(await rowCount(t.runtime, "failure_codes"), before + 1);
    const retired = await engineer.patch(`/api/v1/failure-codes/${created.body.id}`, { active: false });
    assert.equal(retired.status, 200);
    assert.equal(retired.body.active, false);
    const active = await operator.get("/api/v1/failure-codes?active=true");
    assert.ok(!active.body.items.some((c: { id: string }) => c.id === created.body.id));
    assert.equal((await engineer.patch("/api/v1/failure-codes/nope", { name: "x" })).status, 404);
  });

  test("an operator reports a tool failure: severity from the code, shots at the time, reporter from the token", async () => {
    const tool = await newTool(120_000);
    const res = await operator.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: await codeId("FL-010"),
      description: "Flash on cavities 3 and 7",
      affected_components: ["cavity 3", "cavity 7", "cavity 3"],
      impacted_part_numbers: ["4711-01"],
      containment_action: "100 % inspection of the last two boxes",
      occurred_at: "2026-03-01T05:30:00+01:00",
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      [res.body.severity, res.body.status, res.body.shots_at, res.body.occurred_at, res.body.machine_id],
      ["medium", "open", 120_000, "2026-03-01T04:30:00.000Z", null],
    );
    assert.deepEqual(res.body.affected_components, ["cavity 3", "cavity 7"], "duplicates dropped");
    const me = await operator.get("/api/v1/me");
    assert.equal(res.body.reported_by, me.body.id);
    assert.equal((await operator.get(`/api/v1/failure-reports?tool_id=${tool}`)).body.items.length, 1);
    assert.equal(await auditCount(t.runtime, "failure_report.create"), 1);
  });

  test("bad reports: both or neither of tool and machine, unknown or inactive code, future, wrong types", async () => {
    const tool = await newTool();
    const { machines } = await createLineWithMachines(t, 1);
    const code = await codeId("FL-011");
    const inactive = await engineer.post("/api/v1/failure-codes", {
      code: `OLD-${++counter}`,
      name: "Retired code",
      category: "part_defect",
      active: false,
    });
    const before = await rowCount(t.runtime, "failure_reports");
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ tool_id: tool, machine_id: machines[0].id, failure_code_id: code }, "machine_id", "one_of"],
      [{ failure_code_id: code }, "tool_id", "one_of"],
      [{ tool_id: tool, failure_code_id: "no-such-code" }, "failure_code_id", "not_found"],
      [{ tool_id: tool, failure_code_id: inactive.body.id }, "failure_code_id", "inactive"],
      [{ tool_id: "no-such-tool", failure_code_id: code }, "tool_id", "not_found"],
      [{ tool_id: tool, failure_code_id: code, occurred_at: "2099-01-01T00:00:00Z" }, "occurred_at", "future"],
      [{ tool_id: tool, failure_code_id: code, severity: "extreme" }, "severity"],
      [{ tool_id: tool, failure_code_id: code, affected_components: "cavity 3" }, "affected_components"],
      [{ tool_id: tool, failure_code_id: code, shots_at: -1 }, "shots_at"],
      [{ tool_id: tool, failure_code_id: code, shots_at: 1e16 }, "shots_at"],
      [{ tool_id: tool, failure_code_id: code, reported_by: "someone" }, "reported_by", "unknown_field"],
    ];
    for (const [body, field, detailCode] of cases) {
      const res = await operator.post("/api/v1/failure-reports", body);
      assert.equal(res.status, 422, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      const detail = res.body.error.details.find((d: { field: string }) => d.field === field);
      assert.ok(detail, `${field} in ${JSON.stringify(res.body.error.details)}`);
      if (detailCode) assert.equal(detail.code, detailCode);
    }
    const noCause = await technician.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: code,
      status: "closed",
    });
    assert.equal(noCause.status, 422);
    assert.deepEqual(
      noCause.body.error.details.map((d: { field: string; code: string }) => [d.field, d.code]),
      [
        ["root_cause", "required_to_close"],
        ["root_cause_category", "required_to_close"],
      ],
    );
    // An operator reports what is seen; a status past open or a root cause is the investigation's.
    const investigated: [Record<string, unknown>, string][] = [
      [{ status: "investigating" }, "status"],
      [{ status: "closed", root_cause: "Worn ejector pin", root_cause_category: "machine" }, "status"],
      [{ root_cause: "Worn ejector pin" }, "root_cause"],
      [{ root_cause_category: "material" }, "root_cause_category"],
    ];
    for (const [extra, field] of investigated) {
      const res = await operator.post("/api/v1/failure-reports", { tool_id: tool, failure_code_id: code, ...extra });
      assert.equal(res.status, 403, `${JSON.stringify(extra)} → ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body.error.details, [
        { field, message: "requires failures:investigate", code: "failures:investigate" },
      ]);
    }
    const plain = await operator.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: code,
      status: "open",
    });
    assert.equal(plain.status, 201, "status open is what a report starts with anyway");
    assert.equal(await rowCount(t.runtime, "failure_reports"), before + 1, "nothing else stored");
    const found = await technician.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: code,
      status: "closed",
      root_cause: "Worn ejector pin",
      root_cause_category: "machine",
    });
    assert.equal(found.status, 201, "a technician records a failure found and fixed at once");
    const viewer = restClient(t.app, (await t.userWithRole("viewer")).auth);
    assert.equal((await viewer.post("/api/v1/failure-reports", { tool_id: tool, failure_code_id: code })).status, 403);
  });

  test("investigation: open → investigating → closed needs a root cause; illegal moves are 409s; reopen", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const report = await operator.post("/api/v1/failure-reports", {
      machine_id: machines[0].id,
      failure_code_id: await codeId("FM-001"),
      severity: "medium",
    });
    assert.equal(report.status, 201);
    assert.equal(report.body.shots_at, null, "machines have no shot count");
    const url = `/api/v1/failure-reports/${report.body.id}`;
    assert.equal((await operator.patch(url, { status: "investigating" })).status, 403, "operators report only");
    const investigating = await technician.patch(url, { status: "investigating" });
    assert.equal(investigating.status, 200);
    assert.equal((await technician.patch(url, { status: "open" })).status, 409, "no way back to open");

    const noCause = await technician.patch(url, { status: "closed", root_cause_category: "machine" });
    assert.equal(noCause.status, 422);
    assert.deepEqual(
      noCause.body.error.details.map((d: { field: string; code: string }) => [d.field, d.code]),
      [["root_cause", "required_to_close"]],
    );
    assert.equal((await technician.get(url)).body.status, "investigating", "unchanged");

    const closed = await technician.patch(url, {
      status: "closed",
      root_cause: "Worn seal on the clamp cylinder",
      root_cause_category: "machine",
    });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.ok(closed.body.closed_at);
    assert.equal(await auditCount(t.runtime, "failure_report.close"), 1);
    const edit = await technician.patch(url, { description: "changed" });
    assert.equal(edit.status, 409, "a closed report is not edited");
    const clear = await technician.patch(url, { status: "investigating", root_cause: null });
    assert.equal(clear.status, 200, "reopened");
    assert.equal(clear.body.closed_at, null);
    const again = await technician.patch(url, { status: "closed" });
    assert.equal(again.status, 422, "the cleared root cause is needed again");
  });

  test("two investigators edit different fields at once: both edits stay", async () => {
    const tool = await newTool();
    const code = await codeId("FL-011");
    const reports = await Promise.all(
      Array.from({ length: 8 }, () =>
        operator.post("/api/v1/failure-reports", { tool_id: tool, failure_code_id: code }),
      ),
    );
    const results = await Promise.all(
      reports.flatMap((r) => [
        technician.patch(`/api/v1/failure-reports/${r.body.id}`, { description: "Flash on parting line" }),
        technician.patch(`/api/v1/failure-reports/${r.body.id}`, { containment_action: "Sorted 200 parts" }),
        technician.patch(`/api/v1/failure-reports/${r.body.id}`, { affected_components: ["3", "7"] }),
      ]),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [200], JSON.stringify(results.map((r) => r.body)));
    for (const r of reports) {
      const final = (await technician.get(`/api/v1/failure-reports/${r.body.id}`)).body;
      assert.deepEqual(
        [final.description, final.containment_action, final.affected_components],
        ["Flash on parting line", "Sorted 200 parts", ["3", "7"]],
      );
    }
  });

  test("a high or critical report notifies engineers and up at once, not the reporter", async () => {
    const tool = await newTool();
    const inbox = async () => (await engineer.get("/api/v1/notifications?unread=true")).body;
    const before = (await inbox()).unread_count;
    const low = await operator.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: await codeId("FL-012"),
    });
    assert.equal(low.body.severity, "low");
    assert.equal((await inbox()).unread_count, before, "low: no alert");
    const critical = await operator.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: await codeId("FL-022"),
      affected_components: ["insert 2"],
    });
    assert.equal(critical.body.severity, "critical");
    const after = await inbox();
    assert.equal(after.unread_count, before + 1);
    const notice = after.items[0];
    assert.equal(notice.kind, "failure_reported");
    assert.equal(notice.entity_id, critical.body.id);
    assert.match(notice.title, /Critical failure on tool FT-\d+: FL-022 Cracked insert/);
    assert.equal((await operator.get("/api/v1/notifications")).body.items.length, 0, "the reporter is not told");
    assert.ok(engineerId);
  });

  test("GraphQL: catalogue, report, investigate and list with the code and tool", async () => {
    const tool = await newTool(5_000);
    const code = await codeId("FL-001");
    const reported = await graphql(
      t.app,
      `
        mutation ($input: ReportFailureInput!) {
          reportFailure(input: $input) {
            id
            severity
            shotsAt
            affectedComponents
            status
          }
        }
      `,
      { input: { toolId: tool, failureCodeId: code, affectedComponents: ["circuit 2"] } },
      operatorUser.auth,
    );
    assert.equal(reported.body.errors, undefined, JSON.stringify(reported.body.errors));
    assert.deepEqual(reported.body.data!.reportFailure.shotsAt, 5000);
    const id = reported.body.data!.reportFailure.id;
    const bad = await graphql(
      t.app,
      `
        mutation ($input: ReportFailureInput!) {
          reportFailure(input: $input) {
            id
          }
        }
      `,
      { input: { failureCodeId: code } },
      operatorUser.auth,
    );
    assert.equal(bad.body.errors![0].extensions.code, "BAD_USER_INPUT");
    assert.equal(bad.body.errors![0].extensions.details[0].field, "toolId");
    const close = await graphql(
      t.app,
      `
        mutation ($id: ID!, $input: UpdateFailureReportInput!) {
          updateFailureReport(id: $id, input: $input) {
            status
            rootCauseCategory
          }
        }
      `,
      { id, input: { status: "closed", rootCause: "Scale in circuit 2", rootCauseCategory: "environment" } },
      t.adminAuth,
    );
    assert.deepEqual(close.body.data!.updateFailureReport, { status: "closed", rootCauseCategory: "environment" });
    const list = await graphql(
      t.app,
      `
        query ($toolId: ID) {
          failureReports(toolId: $toolId, first: 5) {
            edges {
              node {
                id
                failureCode {
                  code
                  name
                }
                tool {
                  assetNumber
                }
              }
            }
          }
          failureCodes(category: "mould_cooling") {
            code
          }
        }
      `,
      { toolId: tool },
      operatorUser.auth,
    );
    assert.equal(list.body.errors, undefined, JSON.stringify(list.body.errors));
    assert.deepEqual(list.body.data!.failureReports.edges[0].node.failureCode, {
      code: "FL-001",
      name: "Cooling issue",
    });
    assert.ok(list.body.data!.failureCodes.some((c: { code: string }) => c.code === "FL-002"));
  });

  test("history: a tool's failure reports join its timeline by occurred_at (REST and GraphQL)", async () => {
    const tool = await newTool();
    const code = await codeId("FL-024");
    const older = await operator.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: code,
      occurred_at: "2026-01-10T08:00:00Z",
    });
    const newer = await operator.post("/api/v1/failure-reports", {
      tool_id: tool,
      failure_code_id: code,
      occurred_at: "2026-01-12T08:00:00Z",
    });
    const history = await operator.get(`/api/v1/history?tool_id=${tool}`);
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.items.map((i: { kind: string; id: string; at: string }) => [i.kind, i.id, i.at]),
      [
        ["failure_report", newer.body.id, "2026-01-12T08:00:00.000Z"],
        ["failure_report", older.body.id, "2026-01-10T08:00:00.000Z"],
      ],
    );
    const { machines } = await createLineWithMachines(t, 1);
    assert.equal((await operator.get(`/api/v1/history?machine_id=${machines[0].id}`)).body.items.length, 0);
    const gql = await graphql(
      t.app,
      `
        query ($id: ID) {
          history(toolId: $id, first: 1) {
            edges {
              node {
                kind
                record {
                  ... on FailureReport {
                    id
                    severity
                  }
                }
              }
            }
          }
        }
      `,
      { id: tool },
      operatorUser.auth,
    );
    assert.equal(gql.body.errors, undefined, JSON.stringify(gql.body.errors));
    assert.deepEqual(gql.body.data!.history.edges[0].node, {
      kind: "failure_report",
      record: { id: newer.body.id, severity: "medium" },
    });
  });
});
