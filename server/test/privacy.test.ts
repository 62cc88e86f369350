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
} from "./helpers.ts";

const FULL_NAME = "Anna Nowak-Kowalska";
const EMAIL = "anna.nowak@plant.example";
const PASSWORD = "press seven heater band";

forEachBackend("personal data: export and anonymisation", (backend) => {
  let t: TestApp;
  let anna: { id: string; auth: Record<string, string> };
  let line: { id: string };
  let repairId: string;
  let downtimeId: string;

  before(async () => {
    t = await createTestApp(backend);
    const admin = restClient(t.app, t.adminAuth);
    const created = await admin.post("/api/v1/users", {
      username: "anna.nowak",
      password: PASSWORD,
      role: "technician",
      full_name: FULL_NAME,
      email: EMAIL,
    });
    assert.equal(created.status, 201);
    const tokens = await t.login("anna.nowak", PASSWORD);
    anna = { id: created.body.id, auth: { authorization: `Bearer ${tokens.access_token}` } };
    const plant = await createLineWithMachines(t, 1);
    line = plant.line;
    const api = restClient(t.app, anna.auth);
    const downtime = await api.post("/api/v1/downtimes", {
      machine_id: plant.machines[0].id,
      start_datetime: "2026-03-03T08:00:00Z",
      duration_minutes: 45,
    });
    assert.equal(downtime.status, 201, JSON.stringify(downtime.body));
    downtimeId = downtime.body.id;
    const repair = await api.post("/api/v1/repairs", {
      machine_id: plant.machines[0].id,
      title: "Ejector pin broken",
      downtime_id: downtimeId,
      performed_by: created.body.id,
      start_datetime: "2026-03-03T08:10:00Z",
      end_datetime: "2026-03-03T08:40:00Z",
    });
    assert.equal(repair.status, 201, JSON.stringify(repair.body));
    repairId = repair.body.id;
    // Something an admin did to her account, and a failed login with her name typed.
    await admin.patch(`/api/v1/users/${anna.id}`, { locale: "pl" });
    await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: "anna.nowak", password: "not her password" },
    });
  });
  after(() => t.close());

  test("export: everything she did, for herself or an admin; never a secret; others are refused", async () => {
    const own = await restClient(t.app, anna.auth).get(`/api/v1/users/${anna.id}/export`);
    assert.equal(own.status, 200);
    const body = own.body;
    assert.equal(body.user.username, "anna.nowak");
    assert.equal(body.user.email, EMAIL);
    assert.ok(body.records.repairs.created_by.some((r: { id: string }) => r.id === repairId));
    assert.ok(body.records.repairs.performed_by.some((r: { id: string }) => r.id === repairId));
    assert.ok(body.records.downtimes.created_by.some((r: { id: string }) => r.id === downtimeId));
    const actions = body.records.audit_log.actor_id.map((e: { action: string }) => e.action);
    assert.ok(actions.includes("auth.login") && actions.includes("repair.create"), actions.join());
    assert.equal(typeof body.records.audit_log.actor_id[0].changes, "object");
    assert.ok(body.records.sessions.user_id.length >= 1);
    assert.ok(body.audit_about_user.some((e: { action: string }) => e.action === "user.update"));
    const text = JSON.stringify(body);
    assert.doesNotMatch(text, /password_hash|token_hash|\$argon2/);
    assert.deepEqual(body.truncated, []);

    const byAdmin = await restClient(t.app, t.adminAuth).get(`/api/v1/users/${anna.id}/export`);
    assert.equal(byAdmin.status, 200);
    assert.deepEqual(Object.keys(byAdmin.body.records).sort(), Object.keys(body.records).sort());
    const other = await t.userWithRole("manager");
    assert.equal((await restClient(t.app, other.auth).get(`/api/v1/users/${anna.id}/export`)).status, 403);
    assert.equal((await restClient(t.app, t.adminAuth).get(`/api/v1/users/nobody/export`)).status, 404);
    const gql = await graphql(
      t.app,
      `
        query ($id: ID!) {
          userExport(id: $id)
        }
      `,
      { id: anna.id },
      anna.auth,
    );
    assert.equal(gql.body.data?.userExport.user.username, "anna.nowak");
  });

  test("anonymise: refused for non-admins, oneself, extra fields and unknown ids, with nothing changed", async () => {
    const admin = restClient(t.app, t.adminAuth);
    const entries = await auditCount(t.runtime);
    assert.equal((await restClient(t.app, anna.auth).post(`/api/v1/users/${anna.id}/anonymise`)).status, 403);
    const me = await admin.get("/api/v1/me");
    assert.equal((await admin.post(`/api/v1/users/${me.body.id}/anonymise`)).status, 409);
    const extra = await admin.post(`/api/v1/users/${anna.id}/anonymise`, { keep_email: true });
    assert.equal(extra.status, 422);
    assert.equal(extra.body.error.details[0].field, "keep_email");
    assert.equal((await admin.post(`/api/v1/users/nobody/anonymise`)).status, 404);
    assert.equal(await auditCount(t.runtime), entries);
    assert.equal((await admin.get(`/api/v1/users/${anna.id}`)).body.full_name, FULL_NAME);
  });

  test("anonymise: name, username and e-mail gone from every record; KPIs identical; the chain verifies", async () => {
    const admin = restClient(t.app, t.adminAuth);
    const period = "from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z";
    const kpiUrls = [
      `/api/v1/analytics/kpis?${period}`,
      `/api/v1/analytics/kpis?line_id=${line.id}&${period}`,
      `/api/v1/analytics/downtime-pareto?${period}`,
    ];
    const kpisBefore = await Promise.all(kpiUrls.map(async (u) => (await admin.get(u)).body));
    assert.equal(kpisBefore[1].unplanned_minutes, 45);
    const mentionsBefore = JSON.stringify(await t.runtime.db.kysely.selectFrom("audit_log").selectAll().execute());
    assert.ok(mentionsBefore.includes(FULL_NAME) && mentionsBefore.includes(EMAIL), "the test must see her name");

    const res = await admin.post(`/api/v1/users/${anna.id}/anonymise`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.username, /^former-user-[0-9a-f]{8}$/);
    assert.equal(res.body.email, null);
    assert.equal(res.body.active, false);
    assert.ok(res.body.anonymised_at);
    assert.doesNotMatch(res.body.full_name, /Anna/);

    const everything = JSON.stringify({
      audit: await t.runtime.db.kysely.selectFrom("audit_log").selectAll().execute(),
      users: await t.runtime.db.kysely.selectFrom("users").selectAll().execute(),
      sessions: await t.runtime.db.kysely.selectFrom("sessions").selectAll().where("user_id", "=", anna.id).execute(),
    });
    assert.ok(!everything.includes(FULL_NAME));
    assert.ok(!everything.includes(EMAIL));
    assert.ok(!everything.toLowerCase().includes('"anna.nowak"'));
    assert.ok(!everything.includes("lightMyRequest"), "her devices are forgotten");

    const verify = await admin.get("/api/v1/audit/verify");
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
    assert.equal(verify.body.checked, await auditCount(t.runtime));
    const checkpoint = await admin.get(`/api/v1/audit?action=user.anonymise&entity_id=${anna.id}`);
    assert.equal(checkpoint.body.items.length, 1);
    assert.ok(checkpoint.body.items[0].changes.audit_entries_rewritten[1] >= 1);
    assert.ok(checkpoint.body.items[0].changes.previous_head_hash[1]);

    const kpisAfter = await Promise.all(kpiUrls.map(async (u) => (await admin.get(u)).body));
    assert.deepEqual(kpisAfter, kpisBefore);
    // Her work stays, attributed to the same id.
    assert.equal((await admin.get(`/api/v1/repairs/${repairId}`)).body.created_by, anna.id);
    // She can no longer sign in; a second anonymisation and later edits are refused.
    assert.equal((await restClient(t.app, anna.auth).get("/api/v1/me")).status, 401);
    assert.equal((await admin.post(`/api/v1/users/${anna.id}/anonymise`)).status, 409);
    assert.equal((await admin.patch(`/api/v1/users/${anna.id}`, { full_name: FULL_NAME })).status, 409);
  });

  test("anonymise during concurrent writes keeps the chain whole; a broken chain is never re-chained", async () => {
    const admin = restClient(t.app, t.adminAuth);
    const bob = await t.userWithRole("operator", "bob.builder");
    const writes = Array.from({ length: 12 }, (_, i) =>
      admin.post("/api/v1/lines", { code: `CW${i}`, name: `Bob ${i}` }),
    );
    const [anonymised, ...created] = await Promise.all([admin.post(`/api/v1/users/${bob.id}/anonymise`), ...writes]);
    assert.equal(anonymised.status, 200);
    assert.ok(created.every((r) => r.status === 201));
    assert.equal((await admin.get("/api/v1/audit/verify")).body.ok, true);

    // Tamper with one entry: anonymisation refuses, so re-chaining cannot hide the edit.
    const victim = await t.userWithRole("viewer", "carol.c");
    const target = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .select(["id", "changes"])
      .where("action", "=", "line.create")
      .orderBy("seq", "asc")
      .executeTakeFirstOrThrow();
    await t.runtime.db.kysely
      .updateTable("audit_log")
      .set({ changes: target.changes.replace("Line", "Lime") })
      .where("id", "=", target.id)
      .execute();
    const refused = await admin.post(`/api/v1/users/${victim.id}/anonymise`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /audit chain does not verify/);
    assert.equal((await admin.get(`/api/v1/users/${victim.id}`)).body.username, "carol.c");
    const verify = await admin.get("/api/v1/audit/verify");
    assert.equal(verify.body.ok, false);
    assert.equal(verify.body.first_bad_id, target.id);
    await t.runtime.db.kysely
      .updateTable("audit_log")
      .set({ changes: target.changes })
      .where("id", "=", target.id)
      .execute();

    const gql = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          anonymiseUser(id: $id) {
            username
            active
            anonymisedAt
          }
        }
      `,
      { id: victim.id },
      t.adminAuth,
    );
    assert.match(gql.body.data?.anonymiseUser.username, /^former-user-/);
    assert.equal((await admin.get("/api/v1/audit/verify")).body.ok, true);
  });
});
