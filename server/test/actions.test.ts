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
import { notificationsRepo } from "../src/modules/notifications/repo.ts";
import { plansRepo } from "../src/modules/plans/repo.ts";

const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

forEachBackend("actions", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  type User = { id: string; auth: Record<string, string>; api: ReturnType<typeof restClient> };
  let engineer: User;
  let manager: User;
  let technician: User;
  let operator: User;
  let otherOperator: User;
  let counter = 0;
  const user = async (role: string): Promise<User> => {
    const u = await t.userWithRole(role);
    return { id: u.id, auth: u.auth, api: restClient(t.app, u.auth) };
  };
  const newTool = async (lifetimeShots = 0) => {
    const res = await admin.post("/api/v1/tools", {
      asset_number: `AT-${++counter}`,
      name: `Lid mould ${counter}`,
      cavity_count: 2,
      lifetime_shots: lifetimeShots,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const newAction = async (fields: Record<string, unknown> = {}) => {
    const res = await engineer.api.post("/api/v1/actions", { title: `Action ${++counter}`, ...fields });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    engineer = await user("engineer");
    manager = await user("manager");
    technician = await user("technician");
    operator = await user("operator");
    otherOperator = await user("operator");
  });
  after(() => t.close());

  test("an engineer assigns an action: the assignee is notified; links fill in the tool from the report", async () => {
    const tool = await newTool();
    const code = (await admin.get("/api/v1/failure-codes?q=FL-020")).body.items[0].id;
    const report = await operator.api.post("/api/v1/failure-reports", { tool_id: tool, failure_code_id: code });
    const before = (await operator.api.get("/api/v1/notifications")).body.unread_count;
    const action = await newAction({
      title: "Replace ejector pin 4",
      kind: "corrective",
      priority: "high",
      assignee_id: operator.id,
      due_date: dateIn(3),
      failure_report_id: report.body.id,
    });
    assert.deepEqual(
      [action.status, action.tool_id, action.failure_report_id, action.overdue, action.created_by],
      ["open", tool, report.body.id, false, engineer.id],
    );
    const inbox = (await operator.api.get("/api/v1/notifications")).body;
    assert.equal(inbox.unread_count, before + 1);
    assert.deepEqual([inbox.items[0].kind, inbox.items[0].entity_id], ["action_assigned", action.id]);
    assert.equal(await auditCount(t.runtime, "action.create"), 1);
    const ofReport = await operator.api.get(`/api/v1/actions?failure_report_id=${report.body.id}`);
    assert.deepEqual(
      ofReport.body.items.map((a: { id: string }) => a.id),
      [action.id],
    );
  });

  test("people to assign: names only, active accounts, for those who assign; the card shows the assignee's name", async () => {
    const person = async (username: string, full_name: string | undefined, active = true) => {
      const res = await admin.post("/api/v1/users", {
        username,
        full_name,
        email: `${username}@plant.test`,
        role: "technician",
        password: "a-long-enough-password-1",
        active,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const zofia = await person("znowak", "Zofia Nowak");
    const literal = await person("pct_user", "Anna 50%_off");
    const gone = await person("left_plant", "Adam Gone", false);

    const all = await engineer.api.get("/api/v1/people");
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const ids = all.body.items.map((p: { id: string }) => p.id);
    assert.ok(ids.includes(zofia) && ids.includes(literal) && ids.includes(engineer.id));
    assert.ok(!ids.includes(gone), "an inactive account is nobody to assign to");
    assert.ok(ids.indexOf(literal) < ids.indexOf(zofia), "by name: Anna before Zofia");
    const z = all.body.items.find((p: { id: string }) => p.id === zofia);
    assert.deepEqual(z, { id: zofia, username: "znowak", full_name: "Zofia Nowak", name: "Zofia Nowak" });

    const narrowed = await engineer.api.get("/api/v1/people?q=NOWAK");
    assert.deepEqual(
      narrowed.body.items.map((p: { id: string }) => p.id),
      [zofia],
    );
    const percent = await engineer.api.get(`/api/v1/people?q=${encodeURIComponent("50%_")}`);
    assert.deepEqual(
      percent.body.items.map((p: { id: string }) => p.id),
      [literal],
      "% and _ are taken literally",
    );
    const wildcard = await engineer.api.get(`/api/v1/people?q=${encodeURIComponent("%")}`);
    assert.deepEqual(
      wildcard.body.items.map((p: { id: string }) => p.id),
      [literal],
    );

    for (const who of [technician, operator]) {
      const refused = await who.api.get("/api/v1/people");
      assert.equal(refused.status, 403, "only those who assign actions list people");
    }
    const bad = await engineer.api.get(`/api/v1/people?q=${"x".repeat(101)}&role=admin`);
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.details.map((d: { field: string }) => d.field).sort(), ["q", "role"]);

    const action = await newAction({ title: "Polish the cavity", assignee_id: zofia });
    const viewer = await t.userWithRole("viewer");
    const read = await graphql(
      t.app,
      `
        query ($id: ID!) {
          action(id: $id) {
            assigneeId
            assignee {
              id
              name
              fullName
              username
            }
          }
        }
      `,
      { id: action.id },
      viewer.auth,
    );
    assert.equal(read.body.errors, undefined, JSON.stringify(read.body.errors));
    assert.deepEqual(read.body.data?.action.assignee, {
      id: zofia,
      name: "Zofia Nowak",
      fullName: "Zofia Nowak",
      username: "znowak",
    });
    const gqlPeople = await graphql(
      t.app,
      `
        {
          people(q: "zofia") {
            id
            name
          }
        }
      `,
      {},
      engineer.auth,
    );
    assert.deepEqual(gqlPeople.body.data?.people, [{ id: zofia, name: "Zofia Nowak" }]);
    const gqlRefused = await graphql(
      t.app,
      `
        {
          people {
            id
          }
        }
      `,
      {},
      viewer.auth,
    );
    assert.equal(gqlRefused.body.errors?.[0]?.extensions?.code, "FORBIDDEN");
  });

  test("bad input: inactive or unknown assignee, past due date without the flag, unknown links, wrong types", async () => {
    const retired = await user("technician");
    assert.equal((await admin.patch(`/api/v1/users/${retired.id}`, { active: false })).status, 200);
    const before = await rowCount(t.runtime, "actions");
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ title: "x", assignee_id: retired.id }, "assignee_id", "inactive"],
      [{ title: "x", assignee_id: "nobody" }, "assignee_id", "not_found"],
      [{ title: "x", due_date: dateIn(-1) }, "due_date", "past_due"],
      [{ title: "x", due_date: "2026-02-30" }, "due_date"],
      [{ title: "x", due_date: "tomorrow" }, "due_date"],
      [{ title: "x", tool_id: "no-such-tool" }, "tool_id", "not_found"],
      [{ title: "x", plan_id: "no-such-plan" }, "plan_id", "not_found"],
      [{ title: "" }, "title"],
      [{ title: "x", kind: "urgent" }, "kind"],
      [{ title: "x", priority: 3 }, "priority"],
      [{ title: "x", status: "completed" }, "status", "unknown_field"],
      [{ title: "x".repeat(201) }, "title"],
    ];
    for (const [body, field, code] of cases) {
      const res = await engineer.api.post("/api/v1/actions", body);
      assert.equal(res.status, 422, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      const detail = res.body.error.details.find((d: { field: string }) => d.field === field);
      assert.ok(detail, `${field} in ${JSON.stringify(res.body.error.details)}`);
      if (code) assert.equal(detail.code, code);
    }
    assert.equal(await rowCount(t.runtime, "actions"), before, "nothing stored");
    const backfilled = await engineer.api.post("/api/v1/actions", {
      title: "From the paper log",
      due_date: dateIn(-10),
      allow_past_due: true,
    });
    assert.equal(backfilled.status, 201);
    assert.equal(backfilled.body.overdue, true);
    // Assigning to someone else needs an engineer; a technician may take an action themselves.
    const denied = await technician.api.post("/api/v1/actions", { title: "x", assignee_id: operator.id });
    assert.equal(denied.status, 403);
    const own = await technician.api.post("/api/v1/actions", { title: "Mine", assignee_id: technician.id });
    assert.equal(own.status, 201);
    assert.equal((await operator.api.post("/api/v1/actions", { title: "x" })).status, 403);
  });

  test("workflow: the assignee moves it forward, others may not; verification is for managers", async () => {
    const action = await newAction({ assignee_id: operator.id, due_date: dateIn(1) });
    const url = `/api/v1/actions/${action.id}`;
    assert.equal((await otherOperator.api.post(`${url}/start`)).status, 403, "not the assignee");
    assert.equal((await technician.api.post(`${url}/start`)).status, 403, "technicians move only their own");
    assert.equal((await operator.api.post(`${url}/verify`)).status, 403, "an operator cannot verify");
    const started = await operator.api.post(`${url}/start`);
    assert.equal(started.status, 200);
    assert.equal(started.body.status, "in_progress");
    assert.equal((await operator.api.post(`${url}/start`)).status, 409, "already started");
    assert.equal((await manager.api.post(`${url}/verify`)).status, 409, "not completed yet");
    const noNote = await operator.api.post(`${url}/complete`, {});
    assert.equal(noNote.status, 422);
    assert.equal(noNote.body.error.details[0].field, "completion_note");
    const done = await operator.api.post(`${url}/complete`, { completion_note: "Pin replaced, runs fine" });
    assert.equal(done.status, 200);
    assert.deepEqual([done.body.status, done.body.completed_by], ["completed", operator.id]);
    assert.equal((await technician.api.patch(url, { title: "late edit" })).status, 409, "finished: no edits");
    assert.equal((await engineer.api.post(`${url}/verify`)).status, 403, "engineers do not verify");
    const reopened = await manager.api.post(`${url}/reopen`, { reason: "Pin still sticks" });
    assert.equal(reopened.body.status, "in_progress");
    await operator.api.post(`${url}/complete`, { completion_note: "Bore polished too" });
    const verified = await manager.api.post(`${url}/verify`, {});
    assert.deepEqual([verified.body.status, verified.body.verified_by], ["verified", manager.id]);
    for (const move of ["start", "complete", "cancel", "reopen", "verify"]) {
      const res = await admin.post(`${url}/${move}`, move === "complete" ? { completion_note: "x" } : {});
      assert.equal(res.status, 409, `${move} after verified`);
      assert.equal(res.body.error.details[0].code, "illegal_transition");
    }
    // Engineers move anyone's action; managers cancel.
    const other = await newAction({ assignee_id: operator.id });
    assert.equal((await engineer.api.post(`/api/v1/actions/${other.id}/start`)).status, 200);
    assert.equal((await technician.api.post(`/api/v1/actions/${other.id}/cancel`)).status, 403);
    const cancelled = await manager.api.post(`/api/v1/actions/${other.id}/cancel`, { reason: "Tool scrapped" });
    assert.equal(cancelled.body.status, "cancelled");
    assert.equal((await t.app.inject({ method: "POST", url: `${url}/start` })).statusCode, 401);
  });

  test("two people move the same action at once: exactly one transition wins", async () => {
    for (let round = 0; round < 3; round++) {
      const action = await newAction({ assignee_id: operator.id });
      const url = `/api/v1/actions/${action.id}/complete`;
      const audits = await auditCount(t.runtime, "action.complete");
      const results = await Promise.all([
        operator.api.post(url, { completion_note: "done by the operator" }),
        engineer.api.post(url, { completion_note: "done by the engineer" }),
        admin.post(url, { completion_note: "done by the admin" }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409, 409], JSON.stringify(results.map((r) => r.body)));
      const final = (await admin.get(`/api/v1/actions/${action.id}`)).body;
      const winner = results.find((r) => r.status === 200)!.body;
      assert.equal(final.status, winner.status);
      assert.equal(final.completion_note, winner.completion_note);
      assert.equal(await auditCount(t.runtime, "action.complete"), audits + 1);
    }
  });

  test("filters: mine, overdue, status, by tool and machine, with cursors", async () => {
    const tool = await newTool();
    const { machines } = await createLineWithMachines(t, 1);
    const mine = await newAction({ assignee_id: otherOperator.id, tool_id: tool });
    const late = await newAction({
      assignee_id: otherOperator.id,
      machine_id: machines[0].id,
      due_date: dateIn(-2),
      allow_past_due: true,
    });
    await newAction({ tool_id: tool });
    const list = async (query: string) =>
      (await otherOperator.api.get(`/api/v1/actions?${query}`)).body.items.map((a: { id: string }) => a.id);
    assert.deepEqual(await list("mine=true"), [late.id, mine.id]);
    assert.deepEqual(await list("mine=true&overdue=true"), [late.id]);
    assert.deepEqual(await list("mine=true&overdue=false"), [mine.id]);
    assert.equal((await list(`tool_id=${tool}`)).length, 2);
    assert.deepEqual(await list(`machine_id=${machines[0].id}`), [late.id]);
    const page1 = await otherOperator.api.get("/api/v1/actions?mine=true&limit=1");
    assert.equal(page1.body.items[0].id, late.id);
    const page2 = await otherOperator.api.get(`/api/v1/actions?mine=true&limit=1&cursor=${page1.body.next_cursor}`);
    assert.deepEqual([page2.body.items[0].id, page2.body.next_cursor], [mine.id, null]);
    assert.equal((await otherOperator.api.get("/api/v1/actions?overdue=maybe")).status, 422);
    assert.equal((await otherOperator.api.get("/api/v1/actions?limit=501")).status, 422);
    const overdueAll = await admin.get("/api/v1/actions?overdue=true");
    assert.ok(overdueAll.body.items.every((a: { overdue: boolean }) => a.overdue));
  });

  test("reminders: due in 24 h and overdue, once per action and due date; a new due date reminds again", async () => {
    const soon = await newAction({ assignee_id: technician.id, due_date: dateIn(1) });
    const late = await newAction({ assignee_id: technician.id, due_date: dateIn(-3), allow_past_due: true });
    const unassigned = await newAction({ due_date: dateIn(0) });
    const kinds = async (u: User, id: string) =>
      (await u.api.get("/api/v1/notifications?limit=500")).body.items
        .filter((n: { entity_id: string; kind: string }) => n.entity_id === id && n.kind !== "action_assigned")
        .map((n: { kind: string }) => n.kind)
        .sort();
    await t.runtime.background.checks.reminders();
    await Promise.all([t.runtime.background.checks.reminders(), t.runtime.background.checks.reminders()]);
    assert.deepEqual(await kinds(technician, soon.id), ["action_due_soon"]);
    assert.deepEqual(await kinds(technician, late.id), ["action_overdue"]);
    assert.deepEqual(await kinds(engineer, unassigned.id), ["action_due_soon"], "unassigned: engineers hear");
    // A day later the soon one is overdue: one more reminder, of the other kind.
    await t.runtime.background.checks.reminders(Date.now() + 2 * DAY);
    assert.deepEqual(await kinds(technician, soon.id), ["action_due_soon", "action_overdue"]);
    // A new due date is a new promise.
    await technician.api.patch(`/api/v1/actions/${late.id}`, { due_date: dateIn(-1), allow_past_due: true });
    await t.runtime.background.checks.reminders();
    assert.deepEqual(await kinds(technician, late.id), ["action_overdue", "action_overdue"]);
    // Finished actions are not reminded of.
    await technician.api.post(`/api/v1/actions/${late.id}/complete`, { completion_note: "done" });
    await t.runtime.background.checks.reminders(Date.now() + 10 * DAY);
    assert.deepEqual(await kinds(technician, late.id), ["action_overdue", "action_overdue"]);
  });

  test("plans: reaching warning after shots opens one action and tells engineers; a log closes it", async () => {
    const tool = await newTool(10_000);
    const plan = await engineer.api.post(`/api/v1/tools/${tool}/maintenance-plans`, {
      name: "Vent cleaning",
      activity: "cleaning",
      interval_shots: 1_000,
      warn_at_percent: 90,
    });
    assert.equal(plan.status, 201);
    const planActions = async () =>
      (await admin.get(`/api/v1/actions?plan_id=${plan.body.id}`)).body.items as {
        id: string;
        status: string;
        kind: string;
        maintenance_log_id: string | null;
      }[];
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 500 });
    await t.runtime.background.planWatcher.idle();
    assert.equal((await planActions()).length, 0, "not due yet");

    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 420 });
    await t.runtime.background.planWatcher.idle();
    const opened = await planActions();
    assert.deepEqual(
      opened.map((a) => [a.kind, a.status]),
      [["preventive", "open"]],
    );
    const notices = (await engineer.api.get("/api/v1/notifications?limit=500")).body.items.filter(
      (n: { entity_id: string }) => n.entity_id === plan.body.id,
    );
    assert.deepEqual(
      notices.map((n: { kind: string }) => n.kind),
      ["plan_warning"],
    );

    // Due now: a notice of its own, still one action; evaluations racing each other add nothing.
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 100 });
    await Promise.all([
      t.runtime.background.planWatcher.idle(),
      t.runtime.background.checks.plans(),
      t.runtime.background.checks.plans(),
      t.runtime.background.planWatcher.evaluate([tool]),
    ]);
    assert.equal((await planActions()).length, 1);
    const kinds = (await engineer.api.get("/api/v1/notifications?limit=500")).body.items
      .filter((n: { entity_id: string }) => n.entity_id === plan.body.id)
      .map((n: { kind: string }) => n.kind)
      .sort();
    assert.deepEqual(kinds, ["plan_due", "plan_warning"]);

    // The maintenance log that resets the plan completes its action.
    const log = await technician.api.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      plan_id: plan.body.id,
      template_id: null,
      kind: "cleaning",
      status: "completed",
    });
    assert.equal(log.status, 201, JSON.stringify(log.body));
    const [closed] = await planActions();
    assert.deepEqual([closed.status, closed.maintenance_log_id], ["completed", log.body.id]);
    await t.runtime.background.checks.plans();
    assert.equal((await planActions()).length, 1, "reset: no new action");
    // The next interval gets its own action.
    await admin.post(`/api/v1/tools/${tool}/shots`, { count: 950 });
    await t.runtime.background.planWatcher.idle();
    assert.deepEqual(
      (await planActions()).map((a) => a.status),
      ["open", "completed"],
    );
  });

  test("plans run by days are checked periodically", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const plan = await engineer.api.post(`/api/v1/machines/${machines[0].id}/maintenance-plans`, {
      name: "Hydraulic oil check",
      activity: "inspection",
      interval_days: 30,
    });
    await t.runtime.background.checks.plans();
    assert.equal((await admin.get(`/api/v1/actions?plan_id=${plan.body.id}`)).body.items.length, 0);
    await t.runtime.background.checks.plans(Date.now() + 28 * DAY);
    const [action] = (await admin.get(`/api/v1/actions?plan_id=${plan.body.id}`)).body.items;
    assert.deepEqual([action.machine_id, action.kind, action.priority], [machines[0].id, "preventive", "medium"]);
  });

  test("GraphQL: create, filter mine, move, and the same refusals", async () => {
    const created = await graphql(
      t.app,
      `
        mutation ($input: CreateActionInput!) {
          createAction(input: $input) {
            id
            status
            assigneeId
            dueDate
          }
        }
      `,
      { input: { title: "Check gate", assigneeId: operator.id, dueDate: dateIn(2), kind: "containment" } },
      engineer.auth,
    );
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
    const id = created.body.data!.createAction.id;
    const past = await graphql(
      t.app,
      `
        mutation ($input: CreateActionInput!) {
          createAction(input: $input) {
            id
          }
        }
      `,
      { input: { title: "x", dueDate: dateIn(-1) } },
      engineer.auth,
    );
    assert.equal(past.body.errors![0].extensions.code, "BAD_USER_INPUT");
    assert.equal(past.body.errors![0].extensions.details[0].field, "dueDate");
    const verify = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          verifyAction(id: $id) {
            id
          }
        }
      `,
      { id },
      operator.auth,
    );
    assert.equal(verify.body.errors![0].extensions.code, "FORBIDDEN");
    const complete = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          completeAction(id: $id, completionNote: "Gate checked") {
            status
            completionNote
          }
        }
      `,
      { id },
      operator.auth,
    );
    assert.deepEqual(complete.body.data!.completeAction, { status: "completed", completionNote: "Gate checked" });
    const again = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          startAction(id: $id) {
            id
          }
        }
      `,
      { id },
      operator.auth,
    );
    assert.equal(again.body.errors![0].extensions.code, "CONFLICT");
    const mine = await graphql(
      t.app,
      `
        {
          actions(mine: true, status: completed, first: 50) {
            edges {
              node {
                id
                overdue
              }
            }
          }
        }
      `,
      {},
      operator.auth,
    );
    assert.ok(mine.body.data!.actions.edges.some((e: { node: { id: string } }) => e.node.id === id));
  });

  test("a technician takes an unassigned action, but not one someone else has", async () => {
    const free = await newAction();
    const taken = await technician.api.patch(`/api/v1/actions/${free.id}`, { assignee_id: technician.id });
    assert.equal(taken.status, 200);
    assert.equal(taken.body.assignee_id, technician.id);
    const others = await newAction({ assignee_id: operator.id });
    const audits = await auditCount(t.runtime, "action.update");
    const grab = await technician.api.patch(`/api/v1/actions/${others.id}`, { assignee_id: technician.id });
    assert.equal(grab.status, 403, JSON.stringify(grab.body));
    assert.deepEqual(grab.body.error.details, [
      { field: "assignee_id", message: "requires actions:assign", code: "actions:assign" },
    ]);
    assert.equal((await admin.get(`/api/v1/actions/${others.id}`)).body.assignee_id, operator.id, "unchanged");
    assert.equal((await technician.api.post(`/api/v1/actions/${others.id}/start`)).status, 403);
    assert.equal(await auditCount(t.runtime, "action.update"), audits);
    // An engineer reassigns anyone's.
    const moved = await engineer.api.patch(`/api/v1/actions/${others.id}`, { assignee_id: technician.id });
    assert.equal(moved.status, 200);
  });

  test("the audit of an edit names what changed, not the derived overdue flag", async () => {
    const action = await newAction({ due_date: dateIn(5) });
    const res = await engineer.api.patch(`/api/v1/actions/${action.id}`, { title: "Renamed" });
    assert.equal(res.status, 200);
    const row = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .select("changes")
      .where("entity_id", "=", action.id)
      .where("action", "=", "action.update")
      .executeTakeFirstOrThrow();
    const changes = typeof row.changes === "string" ? JSON.parse(row.changes) : row.changes;
    assert.deepEqual(changes, { title: [action.title, "Renamed"] });
  });

  test("reminders: a run writes only for actions not reminded yet; a deactivated assignee's go to engineers", async () => {
    const gone = await user("technician");
    const late = await newAction({ assignee_id: gone.id, due_date: dateIn(-2), allow_past_due: true });
    assert.equal((await admin.patch(`/api/v1/users/${gone.id}`, { active: false })).status, 200);
    const old = await newAction({ assignee_id: technician.id, due_date: dateIn(-40), allow_past_due: true });
    const first = await t.runtime.background.checks.reminders();
    assert.ok((first as { overdue: number }).overdue >= 2, JSON.stringify(first));
    const ofAction = async (u: User, id: string) =>
      (await u.api.get("/api/v1/notifications?limit=500")).body.items
        .filter((n: { entity_id: string; kind: string }) => n.entity_id === id && n.kind === "action_overdue")
        .map((n: { kind: string }) => n.kind);
    assert.deepEqual(await ofAction(engineer, late.id), ["action_overdue"], "engineers hear instead");
    assert.deepEqual(await ofAction(technician, old.id), ["action_overdue"]);
    // Already reminded: the next runs do not touch them (no notification insert at all).
    const original = Object.getOwnPropertyDescriptor(notificationsRepo, "insertNew")!;
    let inserts = 0;
    notificationsRepo.insertNew = (db, rows) => {
      inserts += rows.length;
      return (original.value as typeof notificationsRepo.insertNew).call(notificationsRepo, db, rows);
    };
    try {
      const again = await t.runtime.background.checks.reminders();
      assert.deepEqual(again, { due_soon: 0, overdue: 0 });
      assert.equal(inserts, 0, "nothing re-processed");
    } finally {
      Object.defineProperty(notificationsRepo, "insertNew", original);
    }
  });

  test("an automatic plan action stays with its plan; a manual one may link to a plan", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const plan = await engineer.api.post(`/api/v1/machines/${machines[0].id}/maintenance-plans`, {
      name: "Grease guide rails",
      activity: "lubrication",
      interval_days: 10,
    });
    const other = await engineer.api.post(`/api/v1/machines/${machines[0].id}/maintenance-plans`, {
      name: "Check heater bands",
      activity: "inspection",
      interval_days: 10,
    });
    await t.runtime.background.checks.plans(Date.now() + 9.5 * DAY);
    const [auto] = (await admin.get(`/api/v1/actions?plan_id=${plan.body.id}`)).body.items;
    assert.ok(auto, "opened");
    for (const planId of [null, other.body.id]) {
      const res = await engineer.api.patch(`/api/v1/actions/${auto.id}`, { plan_id: planId });
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error.details[0].field, "plan_id");
    }
    assert.equal((await admin.get(`/api/v1/actions/${auto.id}`)).body.plan_id, plan.body.id);
    await t.runtime.background.checks.plans(Date.now() + 9.5 * DAY);
    assert.equal((await admin.get(`/api/v1/actions?plan_id=${plan.body.id}`)).body.items.length, 1);
    // Other edits of it are fine; a manual action may point at any plan.
    assert.equal((await engineer.api.patch(`/api/v1/actions/${auto.id}`, { priority: "high" })).status, 200);
    const manual = await newAction();
    const linked = await engineer.api.patch(`/api/v1/actions/${manual.id}`, { plan_id: plan.body.id });
    assert.equal(linked.status, 200);
  });

  test("plan checks after shots: the rate is summed only for plans not not_due; a raised level is not rewritten", async () => {
    const quiet = await newTool(0);
    const busy = await newTool(10_000);
    for (const tool of [quiet, busy]) {
      const res = await engineer.api.post(`/api/v1/tools/${tool}/maintenance-plans`, {
        name: "Vent cleaning",
        activity: "cleaning",
        interval_shots: 1_000,
        warn_at_percent: 90,
      });
      assert.equal(res.status, 201);
    }
    await admin.post(`/api/v1/tools/${busy}/shots`, { count: 950 });
    await t.runtime.background.planWatcher.idle();
    const rated: string[][] = [];
    let locks = 0;
    const repo = { ...plansRepo };
    plansRepo.shotsSince = (db, ids, since) => {
      rated.push([...ids]);
      return repo.shotsSince(db, ids, since);
    };
    plansRepo.lockIfCycle = (db, id, at) => {
      locks++;
      return repo.lockIfCycle(db, id, at);
    };
    try {
      const first = await t.runtime.background.planWatcher.evaluate([quiet, busy]);
      const second = await t.runtime.background.planWatcher.evaluate([quiet, busy]);
      assert.deepEqual([first.checked, second.checked], [2, 2]);
      assert.ok(!rated.flat().includes(quiet), `no rate for a plan not due: ${JSON.stringify(rated)}`);
      assert.ok(rated.flat().includes(busy), "the warning plan gets its forecast");
      assert.equal(locks, 0, "its warning was raised already: no write transaction");
    } finally {
      Object.assign(plansRepo, repo);
    }
    // Due now: a new level, raised once.
    await admin.post(`/api/v1/tools/${busy}/shots`, { count: 100 });
    await t.runtime.background.planWatcher.idle();
    const kinds = (await engineer.api.get("/api/v1/notifications?limit=500")).body.items
      .filter((n: { kind: string; title: string }) => n.kind === "plan_due")
      .map((n: { kind: string }) => n.kind);
    assert.ok(kinds.length >= 1);
  });

  test("shot-triggered plan checks are spaced by HOM_PLAN_CHECK_GAP_MS and merge the tools meanwhile", async () => {
    const spaced = await createTestApp(backend, { HOM_PLAN_CHECK_GAP_MS: "400" });
    try {
      const api = restClient(spaced.app, spaced.adminAuth);
      const tools: string[] = [];
      for (const n of [1, 2]) {
        const res = await api.post("/api/v1/tools", { asset_number: `GAP-${n}`, name: "Gap mould", cavity_count: 1 });
        tools.push(res.body.id);
      }
      const watcher = spaced.runtime.background.planWatcher;
      const rounds: { at: number; tools: readonly string[] }[] = [];
      const evaluate = watcher.evaluate.bind(watcher);
      watcher.evaluate = (ids, now) => {
        rounds.push({ at: performance.now(), tools: ids ?? [] });
        return evaluate(ids, now);
      };
      await api.post(`/api/v1/tools/${tools[0]}/shots`, { count: 10 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await api.post(`/api/v1/tools/${tools[1]}/shots`, { count: 10 });
      await api.post(`/api/v1/tools/${tools[0]}/shots`, { count: 10 });
      await watcher.idle();
      assert.equal(rounds.length, 2, JSON.stringify(rounds));
      assert.deepEqual([...rounds[1].tools].sort(), [...tools].sort(), "merged");
      assert.ok(rounds[1].at - rounds[0].at >= 390, `gap ${rounds[1].at - rounds[0].at} ms`);
      // Shutdown does not wait out a pending gap.
      await api.post(`/api/v1/tools/${tools[1]}/shots`, { count: 10 });
      const started = performance.now();
      await spaced.close();
      assert.ok(performance.now() - started < 2_000);
    } finally {
      await spaced.close().catch(() => {});
    }
  });
});
