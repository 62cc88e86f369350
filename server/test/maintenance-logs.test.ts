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

interface Step {
  id: string;
  kind: string;
  required: boolean;
  min: number | null;
  max: number | null;
}
interface Template {
  id: string;
  version: number;
  steps: Step[];
}

const HOUR = 3_600_000;
let counter = 0;

/** An answer for every required step that passes: true, a number inside the limits, some text. */
function passingResults(template: Template, overrides: Record<string, unknown> = {}) {
  return template.steps
    .filter((s) => s.required || s.id in overrides)
    .map((s) => {
      if (s.id in overrides) return { step_id: s.id, value: overrides[s.id] };
      if (s.kind === "number")
        return { step_id: s.id, value: s.min !== null && s.max !== null ? (s.min + s.max) / 2 : (s.min ?? s.max ?? 1) };
      if (s.kind === "text") return { step_id: s.id, value: "Klüber Polylub GA 352 P" };
      if (s.kind === "photo") return { step_id: s.id, value: "photo-1" };
      return { step_id: s.id, value: true };
    });
}

forEachBackend("maintenance logs", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let engineer: ReturnType<typeof restClient>;
  let technician: ReturnType<typeof restClient>;
  let tech: { id: string; password: string; auth: Record<string, string> };
  let engineerUser: { id: string; password: string; auth: Record<string, string> };
  let postRun: Template;
  let storage: Template;

  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    engineerUser = await t.userWithRole("engineer");
    engineer = restClient(t.app, engineerUser.auth);
    tech = await t.userWithRole("technician");
    technician = restClient(t.app, tech.auth);
    const list = await technician.get("/api/v1/checklist-templates?applies_to=tool&limit=500");
    const byName = (name: string) => list.body.items.find((x: { name: string }) => x.name === name) as Template;
    postRun = byName("Post-run inspection and cleaning");
    storage = byName("Storage and preservation");
  });
  after(() => t.close());

  const newTool = async (lifetimeShots = 0) => {
    const res = await admin.post("/api/v1/tools", {
      asset_number: `ML-${++counter}`,
      name: `Cap mould ${counter}`,
      cavity_count: 8,
      lifetime_shots: lifetimeShots,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const logCount = () => rowCount(t.runtime, "maintenance_logs");
  const completedLog = async (tool: string, api = technician, extra: Record<string, unknown> = {}) => {
    const res = await api.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "post_run_inspection",
      template_id: postRun.id,
      results: passingResults(postRun),
      status: "completed",
      ...extra,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  test("a technician records a post-run inspection: shots from the tool, actor as performer, audited", async () => {
    const tool = await newTool(120_000);
    const audits = await auditCount(t.runtime, "maintenance_log.create");
    const created = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "post_run_inspection",
      template_id: postRun.id,
      duration_minutes: 45,
      results: [
        { step_id: "cavities-visual", value: true, note: "light residue near vent 3" },
        { step_id: "cleaning-time", value: 25 },
      ],
      spare_parts: [{ part: "O-ring 20×2 FKM", quantity: 4 }],
      cleaning_agents: "Mould cleaner MC-40",
      observations: "Gate 2 slightly worn",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const log = created.body;
    assert.deepEqual(
      [log.status, log.shots_at, log.performed_by, log.template_version, log.machine_id, log.follow_up_required],
      ["draft", 120_000, tech.id, 1, null, false],
    );
    assert.deepEqual(log.results, [
      { step_id: "cavities-visual", value: true, passed: true, note: "light residue near vent 3" },
      { step_id: "cleaning-time", value: 25, passed: true, note: null },
    ]);
    assert.deepEqual(log.spare_parts, [{ part: "O-ring 20×2 FKM", quantity: 4 }]);
    assert.deepEqual(log.action_requests, []);
    assert.equal(await auditCount(t.runtime, "maintenance_log.create"), audits + 1);

    // shots_at is the tool's, not the client's.
    const forged = await technician.post("/api/v1/maintenance-logs", { tool_id: tool, kind: "cleaning", shots_at: 5 });
    assert.equal(forged.status, 422);
    assert.equal(forged.body.error.details[0].field, "shots_at");

    const read = await restClient(t.app, (await t.userWithRole("viewer")).auth).get(
      `/api/v1/maintenance-logs/${log.id}`,
    );
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.results, log.results);
    const operator = restClient(t.app, (await t.userWithRole("operator")).auth);
    assert.equal((await operator.post("/api/v1/maintenance-logs", { tool_id: tool, kind: "cleaning" })).status, 403);
  });

  test("a number outside its limits fails the step, not the request; a wrong kind is a 422", async () => {
    const tool = await newTool();
    const res = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "post_run_inspection",
      template_id: postRun.id,
      results: [
        { step_id: "cooling-delta-t", value: 8.5, passed: true },
        { step_id: "cooling-flow", value: 12 },
        { step_id: "cleaning-time", value: 20, passed: false, note: "took too long" },
      ],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const passed = Object.fromEntries(
      res.body.results.map((r: { step_id: string; passed: boolean }) => [r.step_id, r.passed]),
    );
    assert.deepEqual(passed, { "cleaning-time": false, "cooling-flow": true, "cooling-delta-t": false });

    const before = await logCount();
    const bad: [unknown, string, string][] = [
      [{ step_id: "cavities-visual", value: "yes" }, "results.0.value", "wrong_kind"],
      [{ step_id: "cooling-delta-t", value: "3" }, "results.0.value", "wrong_kind"],
      [{ step_id: "cleaning-agent", value: 42 }, "results.0.value", "wrong_kind"],
      [{ step_id: "photo-cavity-side", value: false }, "results.0.value", "wrong_kind"],
      [{ step_id: "ejectors", value: false, passed: true }, "results.0.passed", "contradicts_value"],
      [{ step_id: "no-such-step", value: true }, "results.0.step_id", "unknown_step"],
      [{ step_id: "ejectors", value: { ok: true } }, "results.0.value", "invalid_union"],
    ];
    for (const [result, field, code] of bad) {
      const r = await technician.post("/api/v1/maintenance-logs", {
        tool_id: tool,
        kind: "post_run_inspection",
        template_id: postRun.id,
        results: [result],
      });
      assert.equal(r.status, 422, `${JSON.stringify(result)} → ${r.status}`);
      assert.deepEqual(
        r.body.error.details.map((d: { field: string; code: string }) => [d.field, d.code]),
        [[field, code]],
        JSON.stringify(result),
      );
    }
    const twice = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "post_run_inspection",
      template_id: postRun.id,
      results: [
        { step_id: "ejectors", value: true },
        { step_id: "ejectors", value: false },
      ],
    });
    assert.equal(twice.status, 422);
    // Results of a log without a checklist point at nothing.
    const noTemplate = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "cleaning",
      results: [{ step_id: "ejectors", value: true }],
    });
    assert.equal(noTemplate.status, 422);
    assert.equal(await logCount(), before, "nothing stored");
  });

  test("references: template version, plan, subject and performer are checked (422), nothing stored", async () => {
    const tool = await newTool();
    const otherTool = await newTool();
    const { machines } = await createLineWithMachines(t, 1);
    const plan = await engineer.post(`/api/v1/tools/${otherTool}/maintenance-plans`, {
      name: "Cleaning",
      activity: "cleaning",
      interval_shots: 10_000,
    });
    const before = await logCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ tool_id: tool, template_id: postRun.id, template_version: 7 }, "template_version"],
      [{ tool_id: tool, template_id: "01a00000-0000-7000-8000-000000000000" }, "template_id"],
      [{ tool_id: tool, template_version: 1 }, "template_id"],
      [{ tool_id: tool, plan_id: plan.body.id }, "plan_id"],
      [{ tool_id: tool, plan_id: "01a00000-0000-7000-8000-000000000000" }, "plan_id"],
      [{ tool_id: tool, machine_id: machines[0].id }, "machine_id"],
      [{}, "tool_id"],
      [{ machine_id: machines[0].id, template_id: postRun.id }, "template_id"],
      [{ tool_id: "01a00000-0000-7000-8000-000000000000" }, "tool_id"],
      [{ tool_id: tool, performed_by: "01a00000-0000-7000-8000-000000000000" }, "performed_by"],
      [{ tool_id: tool, performed_at: new Date(Date.now() + 2 * HOUR).toISOString() }, "performed_at"],
      [{ tool_id: tool, status: "signed" }, "status"],
      [{ tool_id: tool, spare_parts: [{ part: "Pin", quantity: 0 }] }, "spare_parts.0.quantity"],
      [{ tool_id: tool, kind: "polishing" }, "kind"],
    ];
    for (const [body, field] of cases) {
      const res = await technician.post("/api/v1/maintenance-logs", { kind: "cleaning", ...body });
      assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${field}: ${JSON.stringify(res.body.error.details)}`,
      );
    }
    assert.equal(await logCount(), before);
  });

  test("completing needs every required step; it resets the plan and records action requests", async () => {
    const tool = await newTool(50_000);
    const plan = await engineer.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      name: "Post-run cleaning",
      activity: "cleaning",
      interval_shots: 10_000,
      last_done_shots: 38_000,
    });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    assert.equal(plan.body.status, "overdue");
    const resetsBefore = await auditCount(t.runtime, "plan.reset");

    const draft = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      plan_id: plan.body.id,
      kind: "post_run_inspection",
      template_id: postRun.id,
      results: [{ step_id: "cavities-visual", value: true }],
    });
    assert.equal(draft.status, 201);
    const url = `/api/v1/maintenance-logs/${draft.body.id}`;
    const incomplete = await technician.patch(url, { status: "completed" });
    assert.equal(incomplete.status, 422);
    const required = postRun.steps.filter((s) => s.required).map((s) => s.id);
    for (const id of required.filter((id) => id !== "cavities-visual")) {
      assert.ok(incomplete.body.error.message.includes(id), `${id} listed: ${incomplete.body.error.message}`);
    }
    assert.ok(!incomplete.body.error.message.includes("cavities-visual"));
    assert.ok(incomplete.body.error.details.every((d: { code: string }) => d.code === "required_step_missing"));
    assert.deepEqual(
      incomplete.body.error.details.map((d: { field: string }) => d.field).sort(),
      required
        .filter((id) => id !== "cavities-visual")
        .map((id) => `results.${id}`)
        .sort(),
    );
    assert.equal((await technician.get(url)).body.status, "draft", "nothing changed");
    assert.equal(await auditCount(t.runtime, "plan.reset"), resetsBefore);

    // A null value does not answer a required step.
    const nulled = await technician.patch(url, {
      status: "completed",
      results: passingResults(postRun, { ejectors: null }),
    });
    assert.equal(nulled.status, 422);
    assert.match(nulled.body.error.message, /ejectors/);

    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 1_500 });
    const resets = await auditCount(t.runtime, "plan.reset");
    const completes = await auditCount(t.runtime, "maintenance_log.complete");
    const done = await technician.patch(url, {
      status: "completed",
      results: passingResults(postRun, { "cooling-delta-t": 9, ejectors: false }),
      follow_up_required: true,
      observations: "Ejector pin 4 sticks; order a replacement",
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, "completed");
    assert.ok(done.body.completed_at);
    assert.equal(done.body.shots_at, 51_500, "taken again at completion");
    assert.deepEqual(
      done.body.action_requests.map((r: { reason: string; step_id: string | null }) => [r.reason, r.step_id]),
      [
        ["failed_step", "cooling-delta-t"],
        ["failed_step", "ejectors"],
        ["follow_up", null],
      ],
    );
    assert.match(done.body.action_requests[0].note, /Measured 9 \(limits 0 to 5 °C\)/);
    // Each finding became an action in the completion's own transaction (issue 6).
    for (const request of done.body.action_requests) {
      const action = await technician.get(`/api/v1/actions/${request.action_id}`);
      assert.equal(action.status, 200, `request ${request.step_id} has an action`);
      assert.deepEqual(
        [action.body.maintenance_log_id, action.body.tool_id, action.body.status, action.body.title],
        [draft.body.id, tool, "open", request.title],
      );
    }
    assert.equal(await auditCount(t.runtime, "plan.reset"), resets + 1);
    assert.equal(await auditCount(t.runtime, "maintenance_log.complete"), completes + 1);

    const planAfter = await technician.get(`/api/v1/maintenance-plans/${plan.body.id}`);
    assert.deepEqual(
      [planAfter.body.status, planAfter.body.last_done_shots, planAfter.body.last_done_at],
      ["not_due", 51_500, done.body.performed_at],
    );

    // A completed log can be corrected (not back to draft; the plan and checklist stay), without a second reset.
    const fixed = await technician.patch(url, {
      results: passingResults(postRun, { "cooling-delta-t": 4 }),
      follow_up_required: false,
    });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    // Findings that already became actions stay (the actions are followed up or cancelled there).
    assert.deepEqual(
      fixed.body.action_requests.map((r: { action_id: string }) => r.action_id),
      done.body.action_requests.map((r: { action_id: string }) => r.action_id),
    );
    assert.equal(await auditCount(t.runtime, "plan.reset"), resets + 1);
    assert.equal((await technician.patch(url, { status: "draft" })).status, 409);
    assert.equal((await technician.patch(url, { plan_id: null })).status, 409);
    const stillComplete = await technician.patch(url, { results: [] });
    assert.equal(stillComplete.status, 422, "a completed log keeps its required steps");
  });

  test("a completed log made in one call resets its plan; machine logs work without a tool's shots", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const plan = await engineer.post(`/api/v1/machines/${machines[0].id}/maintenance-plans`, {
      name: "Hydraulic check",
      activity: "inspection",
      interval_days: 30,
      last_done_at: new Date(Date.now() - 40 * 24 * HOUR).toISOString(),
    });
    assert.equal(plan.body.status, "overdue");
    const template = await engineer.post("/api/v1/checklist-templates", {
      name: `Press hydraulics ${++counter}`,
      applies_to: "machine",
      steps: [
        { id: "oil", text: "Oil level", kind: "pass_fail" },
        { id: "temp", text: "Oil temperature", kind: "number", unit: "°C", min: 30, max: 55 },
      ],
    });
    const performedAt = new Date(Date.now() - HOUR).toISOString();
    const log = await technician.post("/api/v1/maintenance-logs", {
      machine_id: machines[0].id,
      plan_id: plan.body.id,
      kind: "preventive",
      template_id: template.body.id,
      performed_at: performedAt,
      results: [
        { step_id: "oil", value: true },
        { step_id: "temp", value: 48 },
      ],
      status: "completed",
    });
    assert.equal(log.status, 201, JSON.stringify(log.body));
    assert.deepEqual([log.body.status, log.body.shots_at, log.body.tool_id], ["completed", null, null]);
    const planAfter = await technician.get(`/api/v1/maintenance-plans/${plan.body.id}`);
    assert.deepEqual([planAfter.body.status, planAfter.body.last_done_at], ["not_due", performedAt]);
    // A mould checklist does not fit a machine.
    const wrong = await technician.post("/api/v1/maintenance-logs", {
      machine_id: machines[0].id,
      kind: "preventive",
      template_id: storage.id,
    });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.error.details[0].code, "wrong_subject");
  });

  test("a plan names its checklist: checked when set, and the default for logs of that plan", async () => {
    const tool = await newTool();
    const base = { name: "Storage", activity: "other", interval_days: 90 };
    const unknown = await engineer.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      ...base,
      checklist_template_id: "01a00000-0000-7000-8000-000000000000",
    });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.details[0].field, "checklist_template_id");
    const machineTemplate = await engineer.post("/api/v1/checklist-templates", {
      name: `Machine only ${++counter}`,
      applies_to: "machine",
      steps: [{ text: "Oil level", kind: "check" }],
    });
    const wrong = await engineer.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      ...base,
      checklist_template_id: machineTemplate.body.id,
    });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.error.details[0].code, "wrong_subject");
    const plan = await engineer.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      ...base,
      checklist_template_id: storage.id,
    });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    const badEdit = await engineer.patch(`/api/v1/maintenance-plans/${plan.body.id}`, {
      checklist_template_id: machineTemplate.body.id,
    });
    assert.equal(badEdit.status, 422);

    const byPlan = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      plan_id: plan.body.id,
      kind: "storage",
    });
    assert.equal(byPlan.status, 201, JSON.stringify(byPlan.body));
    assert.deepEqual([byPlan.body.template_id, byPlan.body.template_version], [storage.id, 1]);
    const without = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      plan_id: plan.body.id,
      kind: "storage",
      template_id: null,
    });
    assert.equal(without.status, 201);
    assert.equal(without.body.template_id, null);
  });

  test("signing: password checked again, completed logs only, own logs for technicians; signed logs are frozen", async () => {
    const tool = await newTool(1_000);
    const draft = await technician.post("/api/v1/maintenance-logs", { tool_id: tool, kind: "cleaning" });
    const draftSign = await technician.post(`/api/v1/maintenance-logs/${draft.body.id}/sign`, {
      password: tech.password,
    });
    assert.equal(draftSign.status, 409);

    const log = await completedLog(tool);
    const url = `/api/v1/maintenance-logs/${log.id}`;
    const failures = await auditCount(t.runtime, "maintenance_log.sign_failed");
    const wrong = await technician.post(`${url}/sign`, { password: "not-my-password" });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, "WRONG_PASSWORD");
    assert.equal(wrong.body.error.details[0].field, "password");
    assert.equal(await auditCount(t.runtime, "maintenance_log.sign_failed"), failures + 1);
    assert.equal((await technician.get(url)).body.status, "completed");
    assert.equal((await technician.post(`${url}/sign`, {})).status, 422);

    // Another technician may not sign it; an engineer may.
    const other = await t.userWithRole("technician");
    const foreign = await restClient(t.app, other.auth).post(`${url}/sign`, { password: other.password });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, "FORBIDDEN");

    const signs = await auditCount(t.runtime, "maintenance_log.sign");
    const signed = await technician.post(`${url}/sign`, { password: tech.password });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.deepEqual([signed.body.status, signed.body.signed_by], ["signed", tech.id]);
    assert.ok(signed.body.signed_at);
    assert.equal(await auditCount(t.runtime, "maintenance_log.sign"), signs + 1);

    for (const change of [{ observations: "later note" }, { status: "completed" }, { results: [] }]) {
      const res = await technician.patch(url, change);
      assert.equal(res.status, 409, JSON.stringify(change));
      assert.equal(res.body.error.code, "CONFLICT");
    }
    assert.equal((await engineer.patch(url, { observations: "x" })).status, 409);
    assert.equal((await technician.post(`${url}/sign`, { password: tech.password })).status, 409);
    assert.equal((await technician.get(url)).body.observations, null);

    // An engineer signs a technician's log, as the engineer.
    const second = await completedLog(tool);
    const byEngineer = await engineer.post(`/api/v1/maintenance-logs/${second.id}/sign`, {
      password: engineerUser.password,
    });
    assert.equal(byEngineer.status, 200, JSON.stringify(byEngineer.body));
    assert.deepEqual([byEngineer.body.performed_by, byEngineer.body.signed_by], [tech.id, engineerUser.id]);

    // A log recorded for someone else is theirs to sign.
    const forOther = await completedLog(tool, technician, { performed_by: other.id });
    assert.equal(forOther.performed_by, other.id);
    assert.equal(
      (await technician.post(`/api/v1/maintenance-logs/${forOther.id}/sign`, { password: tech.password })).status,
      403,
    );
    assert.equal(
      (
        await restClient(t.app, other.auth).post(`/api/v1/maintenance-logs/${forOther.id}/sign`, {
          password: other.password,
        })
      ).status,
      200,
    );
  });

  test("lists filter by tool, plan, status and time, newest first, with cursors", async () => {
    const tool = await newTool();
    const times = [5, 4, 3].map((h) => new Date(Date.now() - h * HOUR).toISOString());
    for (const at of times) {
      await technician.post("/api/v1/maintenance-logs", { tool_id: tool, kind: "cleaning", performed_at: at });
    }
    await completedLog(tool, technician, { performed_at: new Date(Date.now() - 2 * HOUR).toISOString() });
    const all = await technician.get(`/api/v1/maintenance-logs?tool_id=${tool}&limit=3`);
    assert.equal(all.body.items.length, 3);
    assert.equal(all.body.items[0].status, "completed");
    const next = await technician.get(
      `/api/v1/maintenance-logs?tool_id=${tool}&limit=3&cursor=${all.body.next_cursor}`,
    );
    assert.deepEqual(
      next.body.items.map((l: { performed_at: string }) => l.performed_at),
      [times[0]],
    );
    assert.equal(next.body.next_cursor, null);
    const drafts = await technician.get(`/api/v1/maintenance-logs?tool_id=${tool}&status=draft`);
    assert.equal(drafts.body.items.length, 3);
    const window = await technician.get(
      `/api/v1/maintenance-logs?tool_id=${tool}&from=${encodeURIComponent(times[1])}&to=${encodeURIComponent(times[2])}`,
    );
    assert.deepEqual(
      window.body.items.map((l: { performed_at: string }) => l.performed_at),
      [times[1]],
    );
    assert.equal((await technician.get("/api/v1/maintenance-logs?status=open")).status, 422);
    assert.equal((await technician.get("/api/v1/maintenance-logs?colour=red")).status, 422);
  });

  test("GraphQL: create, complete, sign (wrong password first) and read with the template version", async () => {
    const tool = await newTool(7_000);
    const created = await graphql(
      t.app,
      `
        mutation ($input: CreateMaintenanceLogInput!) {
          createMaintenanceLog(input: $input) {
            id
            status
            shotsAt
            performedBy
            results {
              stepId
              value
              passed
            }
          }
        }
      `,
      {
        input: {
          toolId: tool,
          kind: "storage",
          templateId: storage.id,
          results: [
            { stepId: "dry", value: true },
            { stepId: "storage-humidity", value: 72 },
          ],
        },
      },
      tech.auth,
    );
    assert.deepEqual(created.body.errors, undefined);
    const log = created.body.data!.createMaintenanceLog;
    assert.deepEqual([log.status, log.shotsAt, log.performedBy], ["draft", 7_000, tech.id]);
    assert.deepEqual(log.results, [
      { stepId: "dry", value: true, passed: true },
      { stepId: "storage-humidity", value: 72, passed: false },
    ]);

    const update = `mutation($id: ID!, $input: UpdateMaintenanceLogInput!) {
      updateMaintenanceLog(id: $id, input: $input) { status actionRequests { reason stepId } }
    }`;
    const wrongKind = await graphql(
      t.app,
      update,
      { id: log.id, input: { results: [{ stepId: "labels", value: "fine" }] } },
      tech.auth,
    );
    assert.equal(wrongKind.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    assert.equal(wrongKind.body.errors?.[0].extensions.details[0].field, "results.0.value");
    const missing = await graphql(t.app, update, { id: log.id, input: { status: "completed" } }, tech.auth);
    assert.equal(missing.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    assert.match(missing.body.errors?.[0].message, /rust-inhibitor/);
    const results = passingResults(storage, { "storage-humidity": 72 }).map((r) => ({
      stepId: r.step_id,
      value: r.value,
    }));
    const completed = await graphql(t.app, update, { id: log.id, input: { status: "completed", results } }, tech.auth);
    assert.deepEqual(completed.body.errors, undefined);
    assert.deepEqual(completed.body.data!.updateMaintenanceLog, {
      status: "completed",
      actionRequests: [{ reason: "failed_step", stepId: "storage-humidity" }],
    });

    const sign = `mutation($id: ID!, $password: String!) { signMaintenanceLog(id: $id, password: $password) { status signedBy } }`;
    const wrong = await graphql(t.app, sign, { id: log.id, password: "guess" }, tech.auth);
    assert.equal(wrong.body.errors?.[0].extensions.code, "FORBIDDEN");
    assert.equal(wrong.body.errors?.[0].extensions.details[0].code, "wrong_password");
    const signed = await graphql(t.app, sign, { id: log.id, password: tech.password }, tech.auth);
    assert.deepEqual(signed.body.data!.signMaintenanceLog, { status: "signed", signedBy: tech.id });
    const frozen = await graphql(t.app, update, { id: log.id, input: { observations: "late" } }, tech.auth);
    assert.equal(frozen.body.errors?.[0].extensions.code, "CONFLICT");

    const listed = await graphql(
      t.app,
      `
        query ($tool: ID!) {
          maintenanceLogs(toolId: $tool, status: signed, first: 5) {
            edges {
              node {
                id
                tool {
                  assetNumber
                }
                template {
                  name
                  version
                }
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      `,
      { tool },
      tech.auth,
    );
    assert.deepEqual(listed.body.errors, undefined);
    const edges = listed.body.data!.maintenanceLogs.edges;
    assert.equal(edges.length, 1);
    assert.deepEqual(edges[0].node.template, { name: "Storage and preservation", version: 1 });

    const badVersion = await graphql(
      t.app,
      `
        mutation ($input: CreateMaintenanceLogInput!) {
          createMaintenanceLog(input: $input) {
            id
          }
        }
      `,
      { input: { toolId: tool, kind: "storage", templateId: storage.id, templateVersion: 99 } },
      tech.auth,
    );
    assert.equal(badVersion.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    assert.equal(badVersion.body.errors?.[0].extensions.details[0].field, "templateVersion");
  });

  test("history: a machine's logs, repairs and downtimes in one list; a tool's while it was mounted", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const machine = machines[0].id;
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * HOUR).toISOString();
    const dt = await technician.post("/api/v1/downtimes", {
      machine_id: machine,
      start_datetime: at(10),
      end_datetime: at(9),
    });
    assert.equal(dt.status, 201, JSON.stringify(dt.body));
    const repair = await technician.post("/api/v1/repairs", {
      machine_id: machine,
      title: "Replace heater band",
      start_datetime: at(8),
      end_datetime: at(7),
      status: "closed",
    });
    assert.equal(repair.status, 201, JSON.stringify(repair.body));
    const machineLog = await technician.post("/api/v1/maintenance-logs", {
      machine_id: machine,
      kind: "lubrication",
      performed_at: at(6),
    });
    assert.equal(machineLog.status, 201);

    const tool = await newTool();
    const toolLogBefore = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "cleaning",
      performed_at: at(5),
    });
    assert.equal((await technician.post(`/api/v1/tools/${tool}/mount`, { machine_id: machine })).status, 200);
    const during = await technician.post("/api/v1/downtimes", { machine_id: machine });
    assert.equal(during.status, 201, JSON.stringify(during.body));
    assert.equal((await technician.post(`/api/v1/downtimes/${during.body.id}/end`, {})).status, 200);

    const rest = await technician.get(`/api/v1/history?machine_id=${machine}`);
    assert.equal(rest.status, 200, JSON.stringify(rest.body));
    assert.deepEqual(
      rest.body.items.map((i: { kind: string; id: string }) => [i.kind, i.id]),
      [
        ["downtime", during.body.id],
        ["maintenance_log", machineLog.body.id],
        ["repair", repair.body.id],
        ["downtime", dt.body.id],
      ],
    );
    assert.equal(rest.body.items[1].record.kind, "lubrication");

    // Paging through the merged list gives every entry once, in order.
    const query = `query($machine: ID, $tool: ID, $after: String) {
      history(machineId: $machine, toolId: $tool, first: 3, after: $after) {
        edges { node { kind at id record {
          __typename
          ... on MaintenanceLog { kind performedAt }
          ... on Repair { title }
          ... on Downtime { category }
        } } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const page1 = await graphql(t.app, query, { machine }, tech.auth);
    assert.deepEqual(page1.body.errors, undefined);
    const h1 = page1.body.data!.history;
    assert.equal(h1.edges.length, 3);
    assert.equal(h1.pageInfo.hasNextPage, true);
    assert.deepEqual(
      h1.edges.map((e: { node: { record: { __typename: string } } }) => e.node.record.__typename),
      ["Downtime", "MaintenanceLog", "Repair"],
    );
    assert.equal(h1.edges[2].node.record.title, "Replace heater band");
    const page2 = await graphql(t.app, query, { machine, after: h1.pageInfo.endCursor }, tech.auth);
    const h2 = page2.body.data!.history;
    assert.deepEqual(
      h2.edges.map((e: { node: { id: string } }) => e.node.id),
      [dt.body.id],
    );
    assert.equal(h2.pageInfo.hasNextPage, false);

    // The tool: its own logs, and the machine's stops since it was mounted (not the ones before).
    const toolHistory = await graphql(t.app, query, { tool }, tech.auth);
    assert.deepEqual(
      toolHistory.body.data!.history.edges.map((e: { node: { kind: string; id: string } }) => [e.node.kind, e.node.id]),
      [
        ["downtime", during.body.id],
        ["maintenance_log", toolLogBefore.body.id],
      ],
    );
    assert.equal((await technician.get("/api/v1/history")).status, 422);
    assert.equal((await technician.get(`/api/v1/history?tool_id=${tool}&machine_id=${machine}`)).status, 422);
    assert.equal((await technician.get("/api/v1/history?tool_id=01a00000-0000-7000-8000-000000000000")).status, 404);
  });
});
