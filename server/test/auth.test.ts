import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SignJWT, UnsecuredJWT } from "jose";
import {
  ADMIN_PASSWORD,
  JWT_SECRET,
  auditCount,
  createTestApp,
  forEachBackend,
  graphql,
  type TestApp,
} from "./helpers.ts";

forEachBackend("auth", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend);
  });
  after(() => t.close());

  const token = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "POST", url: "/api/v1/auth/token", payload: payload as object, headers });

  test("login with JSON returns a bearer token pair and /me answers", async () => {
    const res = await token({ username: "admin", password: ADMIN_PASSWORD });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.token_type, "bearer");
    assert.equal(body.expires_in, 900);
    assert.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(body.refresh_token.length > 30);
    const me = await t.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().username, "admin");
    assert.equal(me.json().role, "admin");
    assert.equal(me.json().password_hash, undefined);
  });

  test("login accepts the OAuth2 password form and is case-insensitive on the username", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `grant_type=password&username=ADMIN&password=${ADMIN_PASSWORD}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().token_type, "bearer");
  });

  test("a form body on a JSON-only route is a 415", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "refresh_token=abc",
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, "UNSUPPORTED_MEDIA_TYPE");
  });

  test("malformed JSON is a 400, wrong content type a 415, unknown and missing fields a 422", async () => {
    const malformed = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      headers: { "content-type": "application/json" },
      payload: '{"username": "admin", ',
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, "BAD_REQUEST");

    const text = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      headers: { "content-type": "text/plain" },
      payload: "admin:secret",
    });
    assert.equal(text.statusCode, 415);

    const unknown = await token({ username: "admin", password: ADMIN_PASSWORD, role: "admin" });
    assert.equal(unknown.statusCode, 422);
    assert.deepEqual(
      unknown.json().error.details.map((d: { field: string }) => d.field),
      ["role"],
    );

    const missing = await token({ username: "admin" });
    assert.equal(missing.statusCode, 422);
    assert.equal(missing.json().error.details[0].field, "password");

    const wrongType = await token({ username: 42, password: ["x"] });
    assert.equal(wrongType.statusCode, 422);
    assert.deepEqual(
      wrongType
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
      ["password", "username"],
    );

    const tooLong = await token({ username: "a".repeat(65), password: "x" });
    assert.equal(tooLong.statusCode, 422);
  });

  test("wrong password and unknown user get the same 401 and are audited", async () => {
    const before = await auditCount(t.runtime, "auth.login_failed");
    const wrong = await token({ username: "admin", password: "not-the-password" });
    const unknown = await token({ username: "nobody", password: "whatever1" });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().error.message, unknown.json().error.message);
    assert.equal(await auditCount(t.runtime, "auth.login_failed"), before + 2);
    // One success resets the counter so later tests start clean.
    assert.equal((await token({ username: "admin", password: ADMIN_PASSWORD })).statusCode, 200);
  });

  test("refresh rotates; reusing a spent refresh token revokes the whole session", async () => {
    const first = (await token({ username: "admin", password: ADMIN_PASSWORD })).json();
    const refresh = (rt: string) =>
      t.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refresh_token: rt } });

    const second = await refresh(first.refresh_token);
    assert.equal(second.statusCode, 200);
    const rotated = second.json();
    assert.notEqual(rotated.refresh_token, first.refresh_token);

    const reuse = await refresh(first.refresh_token);
    assert.equal(reuse.statusCode, 401);
    assert.match(reuse.json().error.message, /already used/);

    // The family is gone: the newest refresh token and its access token no longer work.
    assert.equal((await refresh(rotated.refresh_token)).statusCode, 401);
    const me = await t.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${rotated.access_token}` } });
    assert.equal(me.statusCode, 401);
    assert.equal(await auditCount(t.runtime, "auth.refresh_reuse"), 1);

    assert.equal((await refresh("not-a-token")).statusCode, 401);
  });

  test("two concurrent refreshes with one token: at most one wins", async () => {
    const pair = (await token({ username: "admin", password: ADMIN_PASSWORD })).json();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refresh_token: pair.refresh_token } }),
      ),
    );
    const ok = results.filter((r) => r.statusCode === 200).length;
    assert.ok(ok <= 1, `${ok} refreshes succeeded`);
    assert.equal(results.filter((r) => r.statusCode === 401).length, 5 - ok);
  });

  test("logout ends the session: access and refresh tokens stop working", async () => {
    const pair = (await token({ username: "admin", password: ADMIN_PASSWORD })).json();
    const auth = { authorization: `Bearer ${pair.access_token}` };
    const out = await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: auth, payload: {} });
    assert.equal(out.statusCode, 204);
    assert.equal((await t.app.inject({ url: "/api/v1/me", headers: auth })).statusCode, 401);
    const refresh = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refresh_token: pair.refresh_token },
    });
    assert.equal(refresh.statusCode, 401);
    const anonymous = await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", payload: {} });
    assert.equal(anonymous.statusCode, 401);
  });

  test("expired, tampered, wrong-key and alg:none tokens are refused with 401", async () => {
    const good = (await token({ username: "admin", password: ADMIN_PASSWORD })).json().access_token as string;
    const [, payload] = good.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const key = new TextEncoder().encode(JWT_SECRET);

    const expired = await new SignJWT({ sid: claims.sid, role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(claims.sub)
      .setIssuer("hom")
      .setAudience("hom-api")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const wrongKey = await new SignJWT({ sid: claims.sid, role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(claims.sub)
      .setIssuer("hom")
      .setAudience("hom-api")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("another-secret-that-is-long-enough-to-use"));
    const none = new UnsecuredJWT({ sid: claims.sid, role: "admin" })
      .setSubject(claims.sub)
      .setIssuer("hom")
      .setAudience("hom-api")
      .setExpirationTime("5m")
      .encode();
    const tamperedPayload = Buffer.from(JSON.stringify({ ...claims, role: "admin", sub: "someone-else" })).toString(
      "base64url",
    );
    const tampered = good.replace(payload, tamperedPayload);

    for (const [name, bad, message] of [
      ["expired", expired, /expired/],
      ["wrong key", wrongKey, /Invalid token/],
      ["alg none", none, /Invalid token/],
      ["tampered", tampered, /Invalid token/],
      ["garbage", "abc.def.ghi", /Invalid token/],
    ] as const) {
      const res = await t.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${bad}` } });
      assert.equal(res.statusCode, 401, name);
      assert.match(res.json().error.message, message, name);
    }
    const basic = await t.app.inject({ url: "/api/v1/me", headers: { authorization: "Basic YWRtaW46eA==" } });
    assert.equal(basic.statusCode, 401);
  });

  test("20 failed logins in a row: 401, then 429 from the attempt that locks, even for the right password", async () => {
    const victim = await t.userWithRole("technician", "lockme");
    const userBefore = await t.runtime.db.kysely
      .selectFrom("users")
      .selectAll()
      .where("id", "=", victim.id)
      .executeTakeFirstOrThrow();
    const failuresBefore = await auditCount(t.runtime, "auth.login_failed");

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await token({ username: "lockme", password: `wrong-${i}` })).statusCode);
    assert.deepEqual(statuses, [...Array(4).fill(401), ...Array(16).fill(429)]);

    const locked = await token({ username: "lockme", password: victim.password });
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error.code, "ACCOUNT_LOCKED");
    assert.ok(Number(locked.headers["retry-after"]) > 0);

    // Every attempt is audited; the account changed only in its lockout fields.
    assert.equal(await auditCount(t.runtime, "auth.login_failed"), failuresBefore + 21);
    const userAfter = await t.runtime.db.kysely
      .selectFrom("users")
      .selectAll()
      .where("id", "=", victim.id)
      .executeTakeFirstOrThrow();
    assert.ok(userAfter.locked_until);
    const { locked_until: _a, failed_login_count: _b, ...restBefore } = userBefore;
    const { locked_until: _c, failed_login_count: _d, ...restAfter } = userAfter;
    assert.deepEqual(restAfter, restBefore);

    // An admin resetting the password lifts the lock.
    const reset = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${victim.id}`,
      headers: t.adminAuth,
      payload: { password: "a-new-password-1" },
    });
    assert.equal(reset.statusCode, 200);
    assert.equal((await token({ username: "lockme", password: "a-new-password-1" })).statusCode, 200);
  });

  test("concurrent wrong passwords are all counted", async () => {
    const victim = await t.userWithRole("viewer", "concurrent");
    await Promise.all(Array.from({ length: 3 }, (_, i) => token({ username: victim.username, password: `bad-${i}` })));
    const row = await t.runtime.db.kysely
      .selectFrom("users")
      .select("failed_login_count")
      .where("id", "=", victim.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.failed_login_count), 3);
  });

  test("sign-up is off by default", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { username: "newbie", password: "password-123" },
    });
    assert.equal(res.statusCode, 403);
    const gql = await graphql(
      t.app,
      `
        mutation {
          register(input: { username: "newbie", password: "password-123" }) {
            id
          }
        }
      `,
    );
    assert.equal(gql.body.errors?.[0].extensions.code, "FORBIDDEN");
  });

  test("GraphQL login, refreshToken and me", async () => {
    const login = await graphql(
      t.app,
      `
        mutation ($u: String!, $p: String!) {
          login(username: $u, password: $p) {
            accessToken
            refreshToken
            expiresIn
            tokenType
          }
        }
      `,
      {
        u: "admin",
        p: ADMIN_PASSWORD,
      },
    );
    assert.equal(login.status, 200);
    const payload = login.body.data!.login;
    assert.equal(payload.tokenType, "bearer");
    const me = await graphql(
      t.app,
      `
        {
          me {
            username
            role
            fullName
          }
        }
      `,
      {},
      { authorization: `Bearer ${payload.accessToken}` },
    );
    assert.deepEqual(me.body.data!.me, { username: "admin", role: "admin", fullName: "Administrator" });
    const refreshed = await graphql(
      t.app,
      `
        mutation ($t: String!) {
          refreshToken(refreshToken: $t) {
            accessToken
            refreshToken
          }
        }
      `,
      {
        t: payload.refreshToken,
      },
    );
    assert.ok(refreshed.body.data!.refreshToken.accessToken);
    const reused = await graphql(
      t.app,
      `
        mutation ($t: String!) {
          refreshToken(refreshToken: $t) {
            accessToken
          }
        }
      `,
      { t: payload.refreshToken },
    );
    assert.equal(reused.body.errors?.[0].extensions.code, "UNAUTHENTICATED");

    const wrong = await graphql(
      t.app,
      `
        mutation {
          login(username: "admin", password: "nope-nope") {
            accessToken
          }
        }
      `,
    );
    assert.equal(wrong.body.errors?.[0].extensions.code, "UNAUTHENTICATED");
    const anonymous = await graphql(
      t.app,
      `
        {
          me {
            username
          }
        }
      `,
    );
    assert.equal(anonymous.body.errors?.[0].extensions.code, "UNAUTHENTICATED");
  });
});

forEachBackend("sign-up enabled", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend, { HOM_ALLOW_SIGNUP: "true" });
  });
  after(() => t.close());

  test("creates a viewer; a role in the body is refused and nothing is stored", async () => {
    const withRole = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { username: "sneaky", password: "password-123", role: "admin" },
    });
    assert.equal(withRole.statusCode, 422);
    assert.equal(withRole.json().error.details[0].field, "role");
    assert.equal(
      await t.runtime.db.kysely
        .selectFrom("users")
        .select("id")
        .where("username_key", "=", "sneaky")
        .executeTakeFirst(),
      undefined,
    );

    const ok = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { username: "Newbie", password: "password-123" },
    });
    assert.equal(ok.statusCode, 201);
    assert.equal(ok.json().role, "viewer");
    const again = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { username: "newbie", password: "password-123" },
    });
    assert.equal(again.statusCode, 409);
    const tokens = await t.login("newbie", "password-123");
    const users = await t.app.inject({
      url: "/api/v1/users",
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(users.statusCode, 403);
  });
});

describe("throttle", () => {
  test("per-address failures are limited", async () => {
    const { FailureThrottle } = await import("../src/access/throttle.ts");
    const throttle = new FailureThrottle(3, 60_000);
    for (let i = 0; i < 3; i++) throttle.fail("ip", 1000 + i);
    assert.ok(throttle.retryAfter("ip", 2000) > 0);
    assert.equal(throttle.retryAfter("other", 2000), 0);
    assert.equal(throttle.retryAfter("ip", 1000 + 61_000), 0);
  });
});
