import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, createTestApp, forEachBackend, graphql, restClient, type TestApp } from "./helpers.ts";

forEachBackend("settings", (backend) => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp(backend);
  });
  after(() => t.close());

  test("defaults before anything is set; the internal JWT secret never shows", async () => {
    const res = await restClient(t.app, t.adminAuth).get("/api/v1/settings");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { plant_name: null, default_locale: "en", updated_at: null });
    assert.ok(!JSON.stringify(res.body).includes("jwt"));
  });

  test("admin changes only what is sent; each change is audited with before and after", async () => {
    const api = restClient(t.app, t.adminAuth);
    const audits = await auditCount(t.runtime, "settings.update");
    const named = await api.patch("/api/v1/settings", { plant_name: "  Plant Gliwice  " });
    assert.equal(named.status, 200);
    assert.equal(named.body.plant_name, "Plant Gliwice");
    assert.equal(named.body.default_locale, "en");
    assert.match(named.body.updated_at, /Z$/);

    const localed = await api.patch("/api/v1/settings", { default_locale: "pl" });
    assert.equal(localed.status, 200);
    assert.deepEqual([localed.body.plant_name, localed.body.default_locale], ["Plant Gliwice", "pl"]);
    assert.equal(await auditCount(t.runtime, "settings.update"), audits + 2);

    const entry = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "settings.update")
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(entry.changes), { default_locale: ["en", "pl"] });
    assert.equal(entry.entity_type, "settings");

    const cleared = await api.patch("/api/v1/settings", { plant_name: null });
    assert.equal(cleared.body.plant_name, null);
    assert.equal((await api.get("/api/v1/settings")).body.default_locale, "pl");
  });

  test("a new account without a locale gets the plant's default language; a given one wins", async () => {
    const api = restClient(t.app, t.adminAuth);
    await api.patch("/api/v1/settings", { default_locale: "ru" });
    const plain = await api.post("/api/v1/users", {
      username: "locale-default",
      password: "a-long-passphrase-1",
      role: "viewer",
    });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.locale, "ru");
    const chosen = await api.post("/api/v1/users", {
      username: "locale-chosen",
      password: "a-long-passphrase-2",
      role: "viewer",
      locale: "en",
    });
    assert.equal(chosen.body.locale, "en");
    await api.patch("/api/v1/settings", { default_locale: "en" });
  });

  test("bad input is a 422 per field and changes nothing", async () => {
    const api = restClient(t.app, t.adminAuth);
    await api.patch("/api/v1/settings", { plant_name: "Before" });
    const before = (await api.get("/api/v1/settings")).body;
    const audits = await auditCount(t.runtime, "settings.update");
    const cases: [unknown, string][] = [
      [{ default_locale: "de" }, "default_locale"],
      [{ default_locale: 5 }, "default_locale"],
      [{ plant_name: "x".repeat(101) }, "plant_name"],
      [{ plant_name: 42 }, "plant_name"],
      [{ plant_name: "bell\u0007" }, "plant_name"],
      [{ jwt_secret: "mine" }, "jwt_secret"],
    ];
    for (const [body, field] of cases) {
      const res = await api.patch("/api/v1/settings", body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${JSON.stringify(body)} → ${JSON.stringify(res.body.error.details)}`,
      );
    }
    assert.equal((await api.patch("/api/v1/settings", {})).status, 422);
    assert.deepEqual((await api.get("/api/v1/settings")).body, before);
    assert.equal(await auditCount(t.runtime, "settings.update"), audits);
    const secret = await t.runtime.db.kysely
      .selectFrom("settings")
      .select("value")
      .where("key", "=", "jwt_secret")
      .executeTakeFirst();
    assert.notEqual(secret?.value, "mine");
  });

  test("only admins read or change settings (REST and GraphQL)", async () => {
    for (const role of ["viewer", "operator", "engineer", "manager"]) {
      const user = await t.userWithRole(role);
      const api = restClient(t.app, user.auth);
      assert.equal((await api.get("/api/v1/settings")).status, 403, role);
      assert.equal((await api.patch("/api/v1/settings", { plant_name: "Hijack" })).status, 403, role);
      const q = await graphql(t.app, "{ settings { plantName } }", {}, user.auth);
      assert.equal(q.body.errors?.[0]?.extensions?.code, "FORBIDDEN", role);
    }
    assert.equal((await restClient(t.app, {}).get("/api/v1/settings")).status, 401);
    assert.notEqual((await restClient(t.app, t.adminAuth).get("/api/v1/settings")).body.plant_name, "Hijack");
  });

  test("GraphQL reads and updates the same settings, with the same rules", async () => {
    const set = await graphql(
      t.app,
      "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { plantName defaultLocale updatedAt } }",
      { i: { plantName: "Hall B", defaultLocale: "pl" } },
      t.adminAuth,
    );
    assert.deepEqual(set.body.errors, undefined);
    assert.equal(set.body.data?.updateSettings.plantName, "Hall B");
    assert.equal(set.body.data?.updateSettings.defaultLocale, "pl");
    const bad = await graphql(
      t.app,
      "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { plantName } }",
      { i: { defaultLocale: "xx" } },
      t.adminAuth,
    );
    assert.equal(bad.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    const read = await graphql(t.app, "{ settings { plantName defaultLocale } }", {}, t.adminAuth);
    assert.deepEqual(read.body.data?.settings, { plantName: "Hall B", defaultLocale: "pl" });
    assert.equal((await restClient(t.app, t.adminAuth).get("/api/v1/settings")).body.plant_name, "Hall B");
  });

  test("concurrent changes of different settings both stay", async () => {
    const api = restClient(t.app, t.adminAuth);
    await Promise.all([
      api.patch("/api/v1/settings", { plant_name: "Parallel" }),
      api.patch("/api/v1/settings", { default_locale: "ru" }),
    ]);
    const now = (await api.get("/api/v1/settings")).body;
    assert.deepEqual([now.plant_name, now.default_locale], ["Parallel", "ru"]);
  });
});
