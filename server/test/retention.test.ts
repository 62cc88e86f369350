import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, before, mock, test } from "node:test";
import { sql } from "kysely";
import type { FastifyInstance } from "fastify";
import { systemContext } from "../src/access/context.ts";
import { buildApp } from "../src/app.ts";
import { newId } from "../src/ids.ts";
import { startRuntime, type Runtime } from "../src/runtime.ts";
import {
  ADMIN_PASSWORD,
  auditCount,
  createTestApp,
  createTestEnv,
  forEachBackend,
  graphql,
  restClient,
  rowCount,
  type TestEnv,
} from "./helpers.ts";
import { uploadPhotos } from "./photo-helpers.ts";

const DAY = 86_400_000;
const ago = (days: number, ms = 0) => new Date(Date.now() - days * DAY + ms).toISOString();

forEachBackend("retention", (backend) => {
  let env: TestEnv;
  let runtime: Runtime;
  let app: FastifyInstance;
  let admin: Record<string, string>;

  before(async () => {
    env = await createTestEnv(backend);
    // The installation's first audit entries were written two years ago.
    mock.timers.enable({ apis: ["Date"], now: Date.now() - 730 * DAY });
    try {
      const old = await startRuntime(env.config, { feeds: false });
      await old.services.users.bootstrapAdmin(systemContext(), env.config.adminPassword);
      for (let i = 0; i < 3; i++) {
        await old.services.audit.recordAlone(systemContext(), {
          action: "test.old",
          entity_type: "test",
          entity_id: String(i),
        });
      }
      await old.close();
    } finally {
      mock.timers.reset();
    }
    runtime = await startRuntime(env.config, { feeds: false });
    app = await buildApp(runtime, { logger: false });
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: "admin", password: ADMIN_PASSWORD },
    });
    admin = { authorization: `Bearer ${res.json().access_token}` };
  });
  after(async () => {
    await app.close();
    await env.cleanup();
  });

  const put = (url: string, payload: unknown, headers = admin) =>
    app.inject({ method: "PUT", url, headers, payload: payload as object }).then((r) => ({
      status: r.statusCode,
      body: r.json(),
    }));

  test("rules: defaults, admin changes (audited), and refusals that change nothing", async () => {
    const api = restClient(app, admin);
    const rules = await api.get("/api/v1/retention/rules");
    assert.equal(rules.status, 200);
    const byKind = Object.fromEntries(rules.body.items.map((r: { kind: string }) => [r.kind, r]));
    assert.equal(byKind.integration_events.keep_days, 30);
    assert.equal(byKind.audit_log.keep_days, null);
    assert.equal(byKind.notifications.available, true); // the notifications table exists (issue 6)

    const before = await auditCount(runtime, "retention.rule");
    for (const [kind, body, status] of [
      ["audit_log", { keep_days: 30 }, 422], // below the 365-day minimum for audit
      ["job_runs", { keep_days: -1 }, 422],
      ["job_runs", { keep_days: 1.5 }, 422],
      ["job_runs", { keep_days: "10" }, 422],
      ["job_runs", { keep_days: 1e9 }, 422],
      ["job_runs", {}, 422],
      ["job_runs", { keep_days: 10, extra: 1 }, 422],
      ["photos", { keep_days: 10 }, 404],
    ] as const) {
      const res = await put(`/api/v1/retention/rules/${kind}`, body);
      assert.equal(res.status, status, `${kind} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
    const bad = await put("/api/v1/retention/rules/audit_log", { keep_days: 30 });
    assert.deepEqual(bad.body.error.details[0].field, "keep_days");
    assert.equal(await auditCount(runtime, "retention.rule"), before);

    const manager = await api.post("/api/v1/users", { username: "mgr", password: "manager-pass-1", role: "manager" });
    assert.equal(manager.status, 201);
    const token = await app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: "mgr", password: "manager-pass-1" },
    });
    const mgr = { authorization: `Bearer ${token.json().access_token}` };
    assert.equal((await restClient(app, mgr).get("/api/v1/retention/rules")).status, 403);
    assert.equal((await restClient(app, mgr).get("/api/v1/retention/preview")).status, 403);
    assert.equal((await restClient(app, mgr).post("/api/v1/retention/apply", {})).status, 403);
    assert.equal((await put("/api/v1/retention/rules/job_runs", { keep_days: 10 }, mgr)).status, 403);

    const set = await put("/api/v1/retention/rules/deleted_downtimes", { keep_days: 30 });
    assert.equal(set.status, 200);
    assert.equal(set.body.keep_days, 30);
    assert.equal((await put("/api/v1/retention/rules/audit_log", { keep_days: 365 })).status, 200);
    assert.equal(await auditCount(runtime, "retention.rule"), before + 2);
    const gql = await graphql(
      app,
      "mutation { setRetentionRule(kind: job_runs, keepDays: 60) { kind keepDays } }",
      {},
      admin,
    );
    assert.deepEqual(gql.body.data?.setRetentionRule, { kind: "job_runs", keepDays: 60 });
  });

  test("the purge removes exactly what the preview listed, is audited, and the audit chain still verifies", async () => {
    const db = runtime.db.kysely;
    const api = restClient(app, admin);
    // integration events: 4 older than 30 days, 2 younger
    const event = (at: string) => ({
      id: newId(),
      channel: "mqtt",
      topic: "hom/x",
      payload: "{}",
      status: "stored",
      error: null,
      received_at: at,
    });
    const eventTimes = [ago(100), ago(60), ago(45), ago(31), ago(10), ago(0)];
    await db.insertInto("integration_events").values(eventTimes.map(event)).execute();
    // sessions: the manager's ended 60 days ago (its refresh tokens go with it)
    const mgr = await db.selectFrom("users").select("id").where("username", "=", "mgr").executeTakeFirstOrThrow();
    await db
      .updateTable("sessions")
      .set({ expires_at: ago(60) })
      .where("user_id", "=", mgr.id)
      .execute();
    const mgrSessions = await db.selectFrom("sessions").select("id").where("user_id", "=", mgr.id).execute();
    assert.equal(mgrSessions.length, 1);
    // job runs (rule 60 days): 2 finished long ago, 1 old but still running, 1 recent
    const run = (at: string, outcome: string) => ({
      id: newId(),
      name: "test",
      scheduled_for: at,
      started_at: at,
      finished_at: outcome === "running" ? null : at,
      outcome,
      error: null,
      instance: "t",
    });
    await db
      .insertInto("job_runs")
      .values([run(ago(200), "ok"), run(ago(61), "failed"), run(ago(300), "running"), run(ago(1), "ok")])
      .execute();
    // notifications (issue 6): 2 old rows and 1 new
    const adminId = (
      await db.selectFrom("users").select("id").where("username", "=", "admin").executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto("notifications")
      .values(
        (
          [
            ["n1", 400],
            ["n2", 200],
            ["n3", 1],
          ] as const
        ).map(([id, days]) => ({
          id,
          user_id: adminId,
          kind: "assigned",
          title: "An action for you",
          body: null,
          entity_type: null,
          entity_id: null,
          dedupe_key: null,
          read_at: null,
          created_at: ago(days),
        })),
      )
      .execute();
    // soft-deleted downtimes: one deleted 40 days ago, one deleted today
    const line = await api.post("/api/v1/lines", { code: "R1", name: "R1" });
    const machine = await api.post("/api/v1/machines", { line_id: line.body.id, code: "RM1", name: "RM1" });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = await api.post("/api/v1/downtimes", {
        machine_id: machine.body.id,
        start_datetime: ago(50 - i),
        end_datetime: ago(50 - i, 60_000),
        category: "planned",
      });
      assert.equal(d.status, 201);
      assert.equal((await api.delete(`/api/v1/downtimes/${d.body.id}`)).status, 200);
      ids.push(d.body.id);
    }
    await db
      .updateTable("downtimes")
      .set({ deleted_at: ago(40) })
      .where("id", "=", ids[0])
      .execute();

    const preview = await api.get("/api/v1/retention/preview");
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    const counts = Object.fromEntries(
      preview.body.items.map((i: { kind: string; count: number }) => [i.kind, i.count]),
    );
    assert.deepEqual(counts, {
      integration_events: 4,
      notifications: 2,
      job_runs: 2,
      sessions: 1,
      deleted_downtimes: 1,
      retired_tool_photos: 0, // kept forever by default
      deleted_photos: 0,
      analytics_reports: 0,
      audit_log: Number(
        (
          await db
            .selectFrom("audit_log")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("at", "<", ago(365))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });
    assert.ok(counts.audit_log >= 4, "the two-year-old entries are listed");
    const events = preview.body.items.find((i: { kind: string }) => i.kind === "integration_events");
    assert.equal(events.oldest, eventTimes[0]);
    assert.equal(events.newest, eventTimes[3]);
    assert.ok(Date.parse(events.newest) < Date.parse(events.cutoff));

    // Something turns 30 days old just after the preview: applying that preview keeps it.
    const borderline = event(new Date(Date.parse(events.cutoff) + 1).toISOString());
    await db.insertInto("integration_events").values(borderline).execute();
    await new Promise((r) => setTimeout(r, 5));

    assert.equal((await api.post("/api/v1/retention/apply", { as_of: ago(-1) })).status, 422); // future
    assert.equal((await api.post("/api/v1/retention/apply", { kinds: ["photos"] })).status, 422);
    assert.equal((await api.post("/api/v1/retention/apply", { as_of: "yesterday" })).status, 422);
    assert.equal(await rowCount(runtime, "integration_events"), 7); // refusals removed nothing

    const purgesBefore = await auditCount(runtime, "retention.purge");
    const applied = await api.post("/api/v1/retention/apply", { as_of: preview.body.as_of });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    for (const item of applied.body.items) {
      const listed = preview.body.items.find((i: { kind: string }) => i.kind === item.kind);
      assert.equal(item.removed, listed.count, item.kind);
      assert.equal(item.cutoff, listed.cutoff);
    }
    assert.equal(await rowCount(runtime, "integration_events"), 3);
    assert.ok(
      await db.selectFrom("integration_events").select("id").where("id", "=", borderline.id).executeTakeFirst(),
    );
    assert.equal(await rowCount(runtime, "job_runs"), 2); // the running one and the recent one
    assert.equal(Number((await sql<{ n: number }>`select count(*) as n from notifications`.execute(db)).rows[0].n), 1);
    assert.equal(await db.selectFrom("downtimes").select("id").where("id", "=", ids[0]).executeTakeFirst(), undefined);
    assert.ok(await db.selectFrom("downtimes").select("id").where("id", "=", ids[1]).executeTakeFirst());
    const kindsPurged = applied.body.items.filter((i: { removed: number }) => i.removed > 0).length;
    assert.equal(await auditCount(runtime, "retention.purge"), purgesBefore + kindsPurged);
    assert.equal(await auditCount(runtime, "test.old"), 0);

    const verify = await api.get("/api/v1/audit/verify");
    assert.equal(verify.status, 200);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
    // Tampering after the checkpoint is still caught.
    const first = await db
      .selectFrom("audit_log")
      .select(["id", "seq"])
      .orderBy("seq")
      .limit(1)
      .executeTakeFirstOrThrow();
    await db.updateTable("audit_log").set({ action: "edited" }).where("id", "=", first.id).execute();
    const broken = await api.get("/api/v1/audit/verify");
    assert.equal(broken.body.ok, false);
    assert.equal(broken.body.first_bad_id, first.id);
    assert.equal(
      await db.selectFrom("refresh_tokens").select("id").where("session_id", "=", mgrSessions[0].id).executeTakeFirst(),
      undefined,
    );

    const again = await graphql(app, "{ retentionPreview { asOf items { kind count removed } } }", {}, admin);
    assert.equal(again.body.errors, undefined);
    for (const item of again.body.data!.retentionPreview.items) {
      if (item.kind !== "integration_events") assert.equal(item.count, 0, item.kind);
    }
  });

  test("the scheduler carries the retention, integration-event, backup, plan-check, reminder and report jobs", () => {
    const names = runtime.scheduler.jobs().map((j) => j.name);
    assert.deepEqual(names.sort(), [
      "action-reminders",
      "integration-events-cleanup",
      "nightly-backup",
      "plan-checks",
      "report-worker",
      "retention-purge",
      "weekly-report",
    ]);
  });
});

forEachBackend("retention of photos", (backend) => {
  test("photos of retired tools and deleted photos: preview lists them, apply removes rows and files, audited", async () => {
    const t = await createTestApp(backend);
    try {
      const api = restClient(t.app, t.adminAuth);
      const db = t.runtime.db.kysely;
      const tool = async (asset: string) =>
        (await api.post("/api/v1/tools", { asset_number: asset, name: asset, cavity_count: 1 })).body.id as string;
      const [retiredOld, retiredNew, active] = [await tool("RP-1"), await tool("RP-2"), await tool("RP-3")];
      const oldPhotos = await uploadPhotos(t, retiredOld, 2, "tool");
      const newPhotos = await uploadPhotos(t, retiredNew, 1, "tool");
      const activePhotos = await uploadPhotos(t, active, 2, "tool");
      for (const id of [retiredOld, retiredNew]) {
        assert.equal((await api.post(`/api/v1/tools/${id}/retire`, {})).status, 200);
      }
      // Retired 40 days ago vs. yesterday; one photo of the active tool deleted 3 days ago.
      await db
        .updateTable("tools")
        .set({ retired_at: ago(40) })
        .where("id", "=", retiredOld)
        .execute();
      assert.equal((await api.delete(`/api/v1/photos/${activePhotos[0]}`)).status, 200);
      await db
        .updateTable("photos")
        .set({ deleted_at: ago(3) })
        .where("id", "=", activePhotos[0])
        .execute();

      const rule = (kind: string, keep_days: number) =>
        t.app.inject({
          method: "PUT",
          url: `/api/v1/retention/rules/${kind}`,
          headers: t.adminAuth,
          payload: { keep_days },
        });
      assert.equal((await rule("retired_tool_photos", 10)).statusCode, 422);
      assert.equal((await rule("retired_tool_photos", 30)).statusCode, 200);
      assert.equal((await rule("deleted_photos", 2)).statusCode, 200);
      const preview = await api.get("/api/v1/retention/preview?kinds=retired_tool_photos,deleted_photos");
      assert.equal(preview.status, 200);
      const byKind = Object.fromEntries(
        preview.body.items.map((i: { kind: string; count: number; oldest: string }) => [i.kind, i]),
      );
      assert.equal(byKind.retired_tool_photos.count, 2);
      assert.equal(byKind.retired_tool_photos.oldest.slice(0, 10), ago(40).slice(0, 10), "aged by the retirement");
      assert.equal(byKind.deleted_photos.count, 1);

      const objectDir = path.join(t.testEnv.config.dataDir, "objects", "photos");
      const files = (id: string) => (existsSync(path.join(objectDir, id)) ? readdirSync(path.join(objectDir, id)) : []);
      assert.equal(files(oldPhotos[0]).length, 3);
      const applied = await api.post("/api/v1/retention/apply", {
        as_of: preview.body.as_of,
        kinds: ["retired_tool_photos", "deleted_photos"],
      });
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const removed = Object.fromEntries(
        applied.body.items.map((i: { kind: string; removed: number }) => [i.kind, i.removed]),
      );
      assert.deepEqual(removed, { retired_tool_photos: 2, deleted_photos: 1 });
      const left = (await db.selectFrom("photos").select("id").execute()).map((r) => r.id).sort();
      assert.deepEqual(left, [...newPhotos, activePhotos[1]].sort());
      for (const id of [...oldPhotos, activePhotos[0]]) assert.deepEqual(files(id), [], `files of ${id} are gone`);
      for (const id of left) assert.equal(files(id).length, 3, `files of ${id} stay`);
      const audits = await db
        .selectFrom("audit_log")
        .select(["entity_id", "changes"])
        .where("action", "=", "retention.purge")
        .execute();
      assert.deepEqual(audits.map((a) => a.entity_id).sort(), ["deleted_photos", "retired_tool_photos"]);
      const verify = await api.get("/api/v1/audit/verify");
      assert.equal(verify.body.ok, true);
    } finally {
      await t.close();
    }
  });

  test("stored reports: old finished ones go; queued, running and those a pending mail carries stay", async () => {
    const t = await createTestApp(backend);
    try {
      const api = restClient(t.app, t.adminAuth);
      const db = t.runtime.db.kysely;
      const report = async (status: string, createdDaysAgo: number) => {
        const id = newId();
        await db
          .insertInto("analytics_reports")
          .values({
            id,
            kind: "period",
            title: `${status} ${createdDaysAgo}`,
            period_from: ago(createdDaysAgo + 7),
            period_to: ago(createdDaysAgo),
            status,
            content: status === "ok" ? Buffer.from("%PDF-1.4 test") : null,
            created_at: ago(createdDaysAgo),
          })
          .execute();
        return id;
      };
      const oldOk = await report("ok", 400);
      const oldFailed = await report("failed", 380);
      const oldQueued = await report("queued", 400);
      const oldRunning = await report("running", 400);
      const oldMailed = await report("ok", 390);
      const young = await report("ok", 10);
      await db
        .insertInto("email_outbox")
        .values({
          id: newId(),
          to_address: "manager@example.test",
          subject: "Weekly report",
          body: "attached",
          status: "pending",
          attempts: 0,
          next_attempt_at: ago(0),
          created_at: ago(0),
          attachment_report_id: oldMailed,
        })
        .execute();

      assert.equal(
        (
          await t.app.inject({
            method: "PUT",
            url: "/api/v1/retention/rules/analytics_reports",
            headers: t.adminAuth,
            payload: { keep_days: 3 },
          })
        ).statusCode,
        422,
        "below the minimum of 7 days",
      );
      const preview = await api.get("/api/v1/retention/preview?kinds=analytics_reports");
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      assert.equal(preview.body.items[0].keep_days, 365, "a year by default");
      assert.equal(preview.body.items[0].count, 2);

      const applied = await api.post("/api/v1/retention/apply", {
        as_of: preview.body.as_of,
        kinds: ["analytics_reports"],
      });
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      assert.equal(applied.body.items[0].removed, 2);
      const left = (await db.selectFrom("analytics_reports").select("id").execute()).map((r) => r.id).sort();
      assert.deepEqual(left, [oldQueued, oldRunning, oldMailed, young].sort());
      assert.ok(![oldOk, oldFailed].some((id) => left.includes(id)));
      assert.equal((await api.get("/api/v1/audit/verify")).body.ok, true);
    } finally {
      await t.close();
    }
  });
});
