import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, createTestApp, forEachBackend, graphql, type TestApp, rowCount } from "./helpers.ts";

forEachBackend("users", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend);
  });
  after(() => t.close());

  const create = (payload: unknown, headers = t.adminAuth) =>
    t.app.inject({ method: "POST", url: "/api/v1/users", headers, payload: payload as object });
  const userCount = () => rowCount(t.runtime, "users");

  test("an admin creates a user; the password never comes back; the write is audited", async () => {
    const auditBefore = await auditCount(t.runtime, "user.create");
    const res = await create({
      username: "Jan.Kowalski",
      password: "secret-pass-1",
      role: "technician",
      full_name: "Jan Kowalski",
      email: "jan@example.com",
      locale: "pl",
    });
    assert.equal(res.statusCode, 201, res.body);
    const user = res.json();
    assert.equal(user.username, "Jan.Kowalski");
    assert.equal(user.role, "technician");
    assert.equal(user.locale, "pl");
    assert.equal(user.active, true);
    assert.equal(user.password, undefined);
    assert.equal(user.password_hash, undefined);
    assert.match(user.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(await auditCount(t.runtime, "user.create"), auditBefore + 1);
    const entry = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("entity_id", "=", user.id)
      .executeTakeFirstOrThrow();
    assert.ok(!entry.changes.includes("secret-pass-1"));
    assert.ok(!entry.changes.includes("argon2"));
  });

  test("usernames are unique regardless of case (409), and a duplicate stores nothing", async () => {
    const before = await userCount();
    const res = await create({ username: "jan.kowalski", password: "secret-pass-2", role: "viewer" });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, "CONFLICT");
    assert.equal(res.json().error.details[0].field, "username");
    assert.equal(await userCount(), before);
  });

  test("bad input is a 422 with field-level details and stores nothing", async () => {
    const before = await userCount();
    const audits = await auditCount(t.runtime);
    const cases: [unknown, string[]][] = [
      [{ username: "x", password: "short", role: "boss" }, ["password", "role", "username"]],
      [
        { username: "ok-name", password: "long-enough-1", role: "viewer", extra: 1, is_admin: true },
        ["extra", "is_admin"],
      ],
      [{ username: "a".repeat(65), password: "long-enough-1", role: "viewer" }, ["username"]],
      [{ username: "ok-name", password: "p".repeat(257), role: "viewer" }, ["password"]],
      [{ username: "ok-name", password: "long-enough-1", role: "viewer", email: "not-an-email" }, ["email"]],
      [{ username: "ok-name", password: "long-enough-1", role: "viewer", full_name: "n".repeat(201) }, ["full_name"]],
      [{ username: 12345, password: true, role: ["admin"] }, ["password", "role", "username"]],
      [{ username: "bad name!", password: "long-enough-1", role: "viewer" }, ["username"]],
      [[], ["(body)"]],
    ];
    for (const [payload, fields] of cases) {
      const res = await create(payload);
      assert.equal(res.statusCode, 422, JSON.stringify(payload));
      const got = [...new Set(res.json().error.details.map((d: { field: string }) => d.field))].sort();
      assert.deepEqual(got, fields, JSON.stringify(payload));
    }
    assert.equal(await userCount(), before);
    assert.equal(await auditCount(t.runtime), audits);
  });

  test("roles: a technician cannot call admin endpoints; a manager reads users but cannot write them", async () => {
    const tech = await t.userWithRole("technician");
    const manager = await t.userWithRole("manager");
    assert.equal(
      (await create({ username: "x-by-tech", password: "long-enough-1", role: "admin" }, tech.auth)).statusCode,
      403,
    );
    assert.equal((await t.app.inject({ url: "/api/v1/users", headers: tech.auth })).statusCode, 403);
    assert.equal((await t.app.inject({ url: "/api/v1/audit", headers: tech.auth })).statusCode, 403);
    assert.equal((await t.app.inject({ url: "/api/v1/users", headers: manager.auth })).statusCode, 200);
    const patch = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${tech.id}`,
      headers: manager.auth,
      payload: { role: "admin" },
    });
    assert.equal(patch.statusCode, 403);
    // A technician can read themselves but nobody else.
    assert.equal((await t.app.inject({ url: `/api/v1/users/${tech.id}`, headers: tech.auth })).statusCode, 200);
    assert.equal((await t.app.inject({ url: `/api/v1/users/${manager.id}`, headers: tech.auth })).statusCode, 403);
    assert.equal((await t.app.inject({ url: "/api/v1/users" })).statusCode, 401);
  });

  test("PATCH changes a role (audited with old and new), null clears a field; unknown id is a 404", async () => {
    const u = await t.userWithRole("operator");
    const res = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${u.id}`,
      headers: t.adminAuth,
      payload: { role: "engineer", email: "op@example.com" },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().role, "engineer");
    const entry = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("entity_id", "=", u.id)
      .where("action", "=", "user.update")
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(entry.changes), { role: ["operator", "engineer"], email: [null, "op@example.com"] });
    const cleared = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${u.id}`,
      headers: t.adminAuth,
      payload: { email: null },
    });
    assert.equal(cleared.json().email, null);
    // The role change applies at once, to tokens issued before it.
    const me = (await t.app.inject({ url: "/api/v1/me", headers: u.auth })).json();
    assert.equal(me.role, "engineer");
    assert.ok(me.permissions.includes("plant:write"), "me carries the role's permissions");
    assert.ok(!me.permissions.includes("users:write"));
    const gql = await graphql(t.app, "{ me { role permissions } }", {}, u.auth);
    assert.deepEqual(gql.body.data!.me.permissions, me.permissions);

    const missing = await t.app.inject({
      method: "PATCH",
      url: "/api/v1/users/00000000-0000-7000-8000-000000000000",
      headers: t.adminAuth,
      payload: { role: "viewer" },
    });
    assert.equal(missing.statusCode, 404);
    const badRole = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${u.id}`,
      headers: t.adminAuth,
      payload: { role: "superuser", username: "renamed" },
    });
    assert.equal(badRole.statusCode, 422);
    assert.deepEqual(
      badRole
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
      ["role", "username"],
    );
  });

  test("deactivating a user ends their sessions; the last admin cannot be demoted or deactivated", async () => {
    const u = await t.userWithRole("viewer");
    const off = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${u.id}`,
      headers: t.adminAuth,
      payload: { active: false },
    });
    assert.equal(off.statusCode, 200);
    assert.equal((await t.app.inject({ url: "/api/v1/me", headers: u.auth })).statusCode, 401);
    const login = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { username: u.username, password: u.password },
    });
    assert.equal(login.statusCode, 401);

    const me = (await t.app.inject({ url: "/api/v1/me", headers: t.adminAuth })).json();
    for (const payload of [{ role: "manager" }, { active: false }]) {
      const res = await t.app.inject({ method: "PATCH", url: `/api/v1/users/${me.id}`, headers: t.adminAuth, payload });
      assert.equal(res.statusCode, 409, JSON.stringify(payload));
    }
    assert.equal((await t.app.inject({ url: "/api/v1/me", headers: t.adminAuth })).json().role, "admin");
  });

  test("lists page with a cursor and filter by role and text", async () => {
    for (const name of ["page-a", "page-b", "page-c"]) {
      assert.equal(
        (await create({ username: name, password: "long-enough-1", role: "operator", full_name: `Pager ${name}` }))
          .statusCode,
        201,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/users?limit=2&q=pager${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await t.app.inject({ url, headers: t.adminAuth });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.ok(body.items.length <= 2);
      seen.push(...body.items.map((u: { username: string }) => u.username));
      cursor = body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, ["page-a", "page-b", "page-c"]);

    const admins = (await t.app.inject({ url: "/api/v1/users?role=admin", headers: t.adminAuth })).json();
    assert.deepEqual(
      admins.items.map((u: { username: string }) => u.username),
      ["admin"],
    );
    for (const bad of ["limit=0", "limit=501", "limit=abc", "cursor=%%%", "role=boss", "unknown=1"]) {
      const res = await t.app.inject({ url: `/api/v1/users?${bad}`, headers: t.adminAuth });
      assert.equal(res.statusCode, 422, bad);
    }
  });

  test("GraphQL createUser / updateUser / users go through the same rules", async () => {
    const tech = await t.userWithRole("technician");
    const denied = await graphql(
      t.app,
      `
        mutation {
          createUser(input: { username: "g1", password: "long-enough-1", role: admin }) {
            id
          }
        }
      `,
      {},
      tech.auth,
    );
    assert.equal(denied.body.errors?.[0].extensions.code, "FORBIDDEN");

    const invalid = await graphql(
      t.app,
      `
        mutation {
          createUser(input: { username: "g", password: "x", role: viewer, fullName: "" }) {
            id
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(invalid.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    const fields = invalid.body.errors?.[0].extensions.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ["fullName", "password", "username"]);

    const created = await graphql(
      t.app,
      `
        mutation {
          createUser(input: { username: "g-user", password: "long-enough-1", role: viewer, fullName: "G User" }) {
            id
            username
            role
            fullName
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(created.body.data!.createUser.role, "viewer");
    const id = created.body.data!.createUser.id;
    const updated = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          updateUser(id: $id, input: { role: operator, fullName: null }) {
            role
            fullName
          }
        }
      `,
      { id },
      t.adminAuth,
    );
    assert.deepEqual(updated.body.data!.updateUser, { role: "operator", fullName: null });
    const duplicate = await graphql(
      t.app,
      `
        mutation {
          createUser(input: { username: "G-USER", password: "long-enough-1", role: viewer }) {
            id
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(duplicate.body.errors?.[0].extensions.code, "CONFLICT");

    const list = await graphql(
      t.app,
      `
        {
          users(first: 2, q: "page") {
            edges {
              cursor
              node {
                username
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(list.body.data!.users.edges.length, 2);
    assert.equal(list.body.data!.users.pageInfo.hasNextPage, true);
    const next = await graphql(
      t.app,
      `
        query ($after: String) {
          users(first: 2, q: "page", after: $after) {
            edges {
              node {
                username
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      `,
      { after: list.body.data!.users.pageInfo.endCursor },
      t.adminAuth,
    );
    assert.deepEqual(
      next.body.data!.users.edges.map((e: { node: { username: string } }) => e.node.username),
      ["page-c"],
    );
    const notFound = await graphql(
      t.app,
      `
        {
          user(id: "nope") {
            id
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(notFound.body.errors?.[0].extensions.code, "NOT_FOUND");
  });
});
