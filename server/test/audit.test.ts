import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { createTestApp, forEachBackend, graphql, hom, type TestApp } from "./helpers.ts";

const cliVerify = (env: Record<string, string>) => hom(["audit", "verify"], env);

forEachBackend("audit", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend);
  });
  after(() => t.close());

  const verify = async () => (await t.app.inject({ url: "/api/v1/audit/verify", headers: t.adminAuth })).json();

  test("concurrent writers extend one unbroken chain", async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        t.app.inject({
          method: "POST",
          url: "/api/v1/users",
          headers: t.adminAuth,
          payload: { username: `concurrent-${i}`, password: "long-enough-1", role: "viewer" },
        }),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.statusCode !== 201).map((r) => r.body),
      [],
    );
    const rows = await t.runtime.db.kysely.selectFrom("audit_log").select(["seq"]).orderBy("seq").execute();
    assert.deepEqual(
      rows.map((r) => Number(r.seq)),
      rows.map((_, i) => i + 1),
    );
    const result = await verify();
    assert.equal(result.ok, true);
    assert.equal(result.checked, rows.length);
    assert.equal(result.first_bad_id, null);
  });

  test("the log lists newest first, filters by entity, actor, action and time, and pages", async () => {
    const u = await t.userWithRole("manager");
    const byEntity = (
      await t.app.inject({ url: `/api/v1/audit?entity_type=user&entity_id=${u.id}`, headers: u.auth })
    ).json();
    assert.deepEqual(
      byEntity.items.map((e: { action: string }) => e.action),
      ["auth.login", "user.create"],
    );
    assert.deepEqual(byEntity.items[1].changes.role, [null, "manager"]);
    assert.equal(byEntity.items[0].actor_id, u.id);

    const page1 = (await t.app.inject({ url: "/api/v1/audit?limit=3&action=user.create", headers: u.auth })).json();
    assert.equal(page1.items.length, 3);
    const page2 = (
      await t.app.inject({
        url: `/api/v1/audit?limit=3&action=user.create&cursor=${page1.next_cursor}`,
        headers: u.auth,
      })
    ).json();
    assert.ok(page2.items[0].seq < page1.items[2].seq);

    const future = (await t.app.inject({ url: "/api/v1/audit?from=2999-01-01T00:00:00Z", headers: u.auth })).json();
    assert.deepEqual(future.items, []);
    const bad = await t.app.inject({ url: "/api/v1/audit?from=yesterday", headers: u.auth });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().error.details[0].field, "from");

    // Reading is for managers; verifying the chain is for admins.
    assert.equal((await t.app.inject({ url: "/api/v1/audit/verify", headers: u.auth })).statusCode, 403);
    const gql = await graphql(
      t.app,
      `
        {
          auditLog(first: 1, action: "user.create") {
            edges {
              node {
                action
                entityType
                changes
              }
            }
          }
        }
      `,
      {},
      u.auth,
    );
    assert.equal(gql.body.data!.auditLog.edges[0].node.action, "user.create");
    assert.equal(typeof gql.body.data!.auditLog.edges[0].node.changes, "object");
  });

  test("an edited row and a deleted row are detected (API, GraphQL and CLI)", async () => {
    assert.deepEqual((await cliVerify(t.testEnv.env)).code, 0);
    const db = t.runtime.db.kysely;
    const rows = await db.selectFrom("audit_log").select(["id", "seq", "changes"]).orderBy("seq").execute();
    const victim = rows[5];

    // 1. Edit one row's content.
    await db.updateTable("audit_log").set({ changes: '{"role":[null,"admin"]}' }).where("id", "=", victim.id).execute();
    let result = await verify();
    assert.deepEqual(result, { ok: false, checked: 5, first_bad_id: victim.id });
    const gql = await graphql(
      t.app,
      `
        {
          auditVerify {
            ok
            firstBadId
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.deepEqual(gql.body.data!.auditVerify, { ok: false, firstBadId: victim.id });
    const cli = await cliVerify(t.testEnv.env);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /BROKEN/);
    assert.equal(JSON.parse(cli.stdout).first_bad_id, victim.id);
    await db.updateTable("audit_log").set({ changes: victim.changes }).where("id", "=", victim.id).execute();
    assert.equal((await verify()).ok, true);

    // 2. Delete a row in the middle: the next one no longer follows.
    await db.deleteFrom("audit_log").where("id", "=", rows[7].id).execute();
    result = await verify();
    assert.equal(result.ok, false);
    assert.equal(result.first_bad_id, rows[8].id);
  });

  test("deleting the newest entries is detected through the head", async () => {
    const t2 = await (await import("./helpers.ts")).createTestApp(backend);
    try {
      const db = t2.runtime.db.kysely;
      const max = await db
        .selectFrom("audit_log")
        .select(sql<number>`max(seq)`.as("m"))
        .executeTakeFirstOrThrow();
      await db.deleteFrom("audit_log").where("seq", "=", Number(max.m)).execute();
      const result = (await t2.app.inject({ url: "/api/v1/audit/verify", headers: t2.adminAuth })).json();
      assert.equal(result.ok, false);
      assert.equal((await cliVerify(t2.testEnv.env)).code, 1);
    } finally {
      await t2.close();
    }
  });
});
