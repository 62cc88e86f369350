import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, createTestApp, forEachBackend, graphql, restClient, rowCount, type TestApp } from "./helpers.ts";

forEachBackend("accounts: password policy, forced reset, sessions", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend);
  });
  after(() => t.close());

  test("the password policy refuses short, common and username passwords with field details; nothing is stored", async () => {
    const admin = restClient(t.app, t.adminAuth);
    const users = await rowCount(t.runtime, "users");
    const cases: [string, Record<string, unknown>, string][] = [
      ["too short", { username: "pat", password: "short-pw-1", role: "viewer" }, "password_too_short"],
      ["common", { username: "pat", password: "Password1234", role: "viewer" }, "password_too_common"],
      ["common, any case", { username: "pat", password: "QWERTY123456", role: "viewer" }, "password_too_common"],
      ["a run", { username: "pat", password: "abcdefghijklmn", role: "viewer" }, "password_too_common"],
      [
        "the username",
        { username: "maintenance.lead", password: "Maintenance.Lead", role: "viewer" },
        "password_is_username",
      ],
    ];
    for (const [label, payload, code] of cases) {
      const res = await admin.post("/api/v1/users", payload);
      assert.equal(res.status, 422, label);
      assert.deepEqual(
        res.body.error.details.map((d: { field: string; code: string }) => [d.field, d.code]),
        [["password", code]],
        label,
      );
    }
    assert.equal(await rowCount(t.runtime, "users"), users);

    const ok = await admin.post("/api/v1/users", { username: "pat", password: "tablet at press 7", role: "viewer" });
    assert.equal(ok.status, 201);

    // The same policy on a PATCH by an admin, and through GraphQL.
    const patch = await admin.patch(`/api/v1/users/${ok.body.id}`, { password: "iloveyou1234" });
    assert.equal(patch.status, 422);
    assert.equal(patch.body.error.details[0].code, "password_too_common");
    const gql = await graphql(
      t.app,
      `
        mutation {
          createUser(input: { username: "quinn", password: "password123456", role: viewer }) {
            id
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(gql.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    assert.equal(gql.body.errors?.[0].extensions.details[0].field, "password");
    assert.equal(await rowCount(t.runtime, "users"), users + 1);
  });

  test("an admin-forced reset limits the user's token until they choose a new password", async () => {
    const admin = restClient(t.app, t.adminAuth);
    const tech = await t.userWithRole("technician", "forced.tech");
    // An admin sets a temporary password: must_change_password defaults to true.
    const reset = await admin.patch(`/api/v1/users/${tech.id}`, { password: "temporary pass 42" });
    assert.equal(reset.status, 200);
    assert.equal(reset.body.must_change_password, true);
    assert.equal((await restClient(t.app, tech.auth).get("/api/v1/me")).status, 401, "the reset ends old sessions");

    const login = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: "forced.tech", password: "temporary pass 42" },
    });
    assert.equal(login.statusCode, 200);
    assert.equal(login.json().password_change_required, true);
    const auth = { authorization: `Bearer ${login.json().access_token}` };
    const api = restClient(t.app, auth);

    const blocked = await api.get("/api/v1/lines");
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body.error.code, "PASSWORD_CHANGE_REQUIRED");
    const gqlBlocked = await graphql(
      t.app,
      `
        {
          lines {
            edges {
              node {
                id
              }
            }
          }
        }
      `,
      {},
      auth,
    );
    assert.equal(gqlBlocked.body.errors?.[0].extensions.code, "FORBIDDEN");
    assert.equal(gqlBlocked.body.errors?.[0].extensions.reason, "PASSWORD_CHANGE_REQUIRED");
    const me = await api.get("/api/v1/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.must_change_password, true);
    const gqlLogin = await graphql(
      t.app,
      `
        mutation {
          login(username: "forced.tech", password: "temporary pass 42") {
            passwordChangeRequired
          }
        }
      `,
    );
    assert.equal(gqlLogin.body.data?.login.passwordChangeRequired, true);

    const wrong = await api.post("/api/v1/me/password", {
      current_password: "not the password",
      new_password: "my own choice 2026",
    });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, "WRONG_PASSWORD");
    const same = await api.post("/api/v1/me/password", {
      current_password: "temporary pass 42",
      new_password: "temporary pass 42",
    });
    assert.equal(same.status, 422);
    assert.equal(same.body.error.details[0].field, "new_password");
    const weak = await api.post("/api/v1/me/password", {
      current_password: "temporary pass 42",
      new_password: "forced.tech",
    });
    assert.equal(weak.status, 422);
    const extra = await api.post("/api/v1/me/password", {
      current_password: "temporary pass 42",
      new_password: "my own choice 2026",
      role: "admin",
    });
    assert.equal(extra.status, 422);
    assert.equal(extra.body.error.details[0].field, "role");

    const changes = await auditCount(t.runtime, "user.password_change");
    const changed = await api.post("/api/v1/me/password", {
      current_password: "temporary pass 42",
      new_password: "my own choice 2026",
    });
    assert.equal(changed.status, 204);
    assert.equal(await auditCount(t.runtime, "user.password_change"), changes + 1);
    assert.equal((await api.get("/api/v1/lines")).status, 200, "the same token now reaches everything");
    assert.equal((await api.get("/api/v1/me")).body.must_change_password, false);
    await t.login("forced.tech", "my own choice 2026");

    // An admin may set a password without forcing a change.
    const kept = await admin.patch(`/api/v1/users/${tech.id}`, {
      password: "another choice 2026",
      must_change_password: false,
    });
    assert.equal(kept.body.must_change_password, false);
  });

  test("sessions are listed and revoked one by one or all but the current; revocation holds on the next request", async () => {
    const user = await t.userWithRole("operator", "tablet.user");
    const loginFrom = async (agent: string) => {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        headers: { "user-agent": agent },
        payload: { username: "tablet.user", password: user.password },
      });
      return { authorization: `Bearer ${res.json().access_token}` };
    };
    const desk = await loginFrom("Desk browser");
    const tablet = await loginFrom("Press tablet");
    const deskApi = restClient(t.app, desk);
    const tabletApi = restClient(t.app, tablet);
    // Both tokens have been used, so the verified-token cache knows them.
    assert.equal((await tabletApi.get("/api/v1/lines")).status, 200);

    const listed = await deskApi.get(`/api/v1/users/${user.id}/sessions`);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.items.length, 3);
    const current = listed.body.items.filter((s: { current: boolean }) => s.current);
    assert.equal(current.length, 1);
    assert.equal(current[0].user_agent, "Desk browser");
    const tabletSession = listed.body.items.find((s: { user_agent: string }) => s.user_agent === "Press tablet");
    assert.ok(tabletSession.ip && tabletSession.created_at && tabletSession.last_used_at);

    // Another user's session id, or an unknown one, is a 404 and ends nothing.
    const other = await t.userWithRole("viewer", "other.user");
    const otherSessions = await restClient(t.app, other.auth).get(`/api/v1/users/${other.id}/sessions`);
    const otherId = otherSessions.body.items[0].id;
    assert.equal((await deskApi.delete(`/api/v1/users/${user.id}/sessions/${otherId}`)).status, 404);
    assert.equal((await deskApi.delete(`/api/v1/users/${user.id}/sessions/nope`)).status, 404);
    assert.equal((await restClient(t.app, other.auth).get("/api/v1/me")).status, 200);
    // A non-admin cannot see or end someone else's sessions.
    assert.equal((await deskApi.get(`/api/v1/users/${other.id}/sessions`)).status, 403);
    assert.equal((await deskApi.delete(`/api/v1/users/${other.id}/sessions/${otherId}`)).status, 403);

    const revokes = await auditCount(t.runtime, "session.revoke");
    assert.equal((await deskApi.delete(`/api/v1/users/${user.id}/sessions/${tabletSession.id}`)).status, 204);
    assert.equal(await auditCount(t.runtime, "session.revoke"), revokes + 1);
    const after = await tabletApi.get("/api/v1/lines");
    assert.equal(after.status, 401, "an unexpired access token of a revoked session stops at once");
    assert.equal(
      (
        await graphql(
          t.app,
          `
            {
              me {
                id
              }
            }
          `,
          {},
          tablet,
        )
      ).body.errors?.[0].extensions.code,
      "UNAUTHENTICATED",
    );
    assert.equal((await deskApi.get("/api/v1/lines")).status, 200);

    // All but the current one.
    const third = await loginFrom("Spare tablet");
    const all = await deskApi.post(`/api/v1/users/${user.id}/sessions/revoke`, {});
    assert.equal(all.status, 200);
    assert.equal(all.body.revoked, 2);
    assert.equal((await restClient(t.app, third).get("/api/v1/me")).status, 401);
    assert.equal((await restClient(t.app, user.auth).get("/api/v1/me")).status, 401);
    assert.equal((await deskApi.get("/api/v1/me")).status, 200);
    assert.equal((await deskApi.post(`/api/v1/users/${user.id}/sessions/revoke`, { keep_current: "no" })).status, 422);

    // An admin ends every session of the user, the desk one included.
    const admin = restClient(t.app, t.adminAuth);
    const byAdmin = await admin.get(`/api/v1/users/${user.id}/sessions`);
    assert.equal(byAdmin.body.items.length, 1);
    assert.equal(byAdmin.body.items[0].current, false);
    assert.equal((await admin.post(`/api/v1/users/${user.id}/sessions/revoke`, {})).body.revoked, 1);
    assert.equal((await deskApi.get("/api/v1/me")).status, 401);
    assert.equal((await admin.get(`/api/v1/users/nobody/sessions`)).status, 404);
  });

  test("changing one's own password ends the other sessions and keeps the current one", async () => {
    const user = await t.userWithRole("viewer", "changer");
    const second = await t.login("changer", user.password);
    const res = await restClient(t.app, user.auth).post("/api/v1/me/password", {
      current_password: user.password,
      new_password: "a fresh passphrase",
    });
    assert.equal(res.status, 204);
    assert.equal((await restClient(t.app, user.auth).get("/api/v1/me")).status, 200);
    const secondApi = restClient(t.app, { authorization: `Bearer ${second.access_token}` });
    assert.equal((await secondApi.get("/api/v1/me")).status, 401);
  });

  test("GraphQL sessions, revokeSession, revokeSessions and changePassword", async () => {
    const user = await t.userWithRole("viewer", "gql.sessions");
    const other = await t.login("gql.sessions", user.password);
    const otherAuth = { authorization: `Bearer ${other.access_token}` };
    const listed = await graphql(
      t.app,
      `
        query ($id: ID!) {
          sessions(userId: $id) {
            id
            current
            userAgent
            ip
            createdAt
            lastUsedAt
          }
        }
      `,
      { id: user.id },
      user.auth,
    );
    assert.equal(listed.body.data?.sessions.length, 2);
    const notCurrent = listed.body.data?.sessions.find((s: { current: boolean }) => !s.current);
    const revoked = await graphql(
      t.app,
      `
        mutation ($u: ID!, $s: ID!) {
          revokeSession(userId: $u, sessionId: $s)
        }
      `,
      { u: user.id, s: notCurrent.id },
      user.auth,
    );
    assert.equal(revoked.body.data?.revokeSession, true);
    assert.equal((await restClient(t.app, otherAuth).get("/api/v1/me")).status, 401);

    const changed = await graphql(
      t.app,
      `
        mutation ($c: String!, $n: String!) {
          changePassword(currentPassword: $c, newPassword: $n)
        }
      `,
      { c: user.password, n: "123456789012" },
      user.auth,
    );
    assert.equal(changed.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    assert.equal(changed.body.errors?.[0].extensions.details[0].field, "newPassword");

    const all = await graphql(
      t.app,
      `
        mutation ($u: ID!) {
          revokeSessions(userId: $u, keepCurrent: false)
        }
      `,
      { u: user.id },
      t.adminAuth,
    );
    assert.equal(all.body.data?.revokeSessions, 1);
    assert.equal((await restClient(t.app, user.auth).get("/api/v1/me")).status, 401);
  });
});
