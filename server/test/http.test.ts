import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, forEachBackend, graphql, type TestApp } from "./helpers.ts";

forEachBackend("http surface", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend, { HOM_BODY_LIMIT_BYTES: "4096", HOM_GRAPHQL_MAX_COST: "200" });
  });
  after(() => t.close());

  test("healthz, readyz and metrics", async () => {
    assert.deepEqual((await t.app.inject({ url: "/healthz" })).json(), { status: "ok" });
    const ready = await t.app.inject({ url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: "ready", database: backend });
    await t.app.inject({ url: "/api/v1/me", headers: t.adminAuth });
    const metrics = await t.app.inject({ url: "/metrics" });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.headers["content-type"] as string, /text\/plain/);
    assert.match(metrics.body, /hom_http_requests_total\{method="GET",route="\/api\/v1\/me",status_code="200"\} \d+/);
    assert.match(
      metrics.body,
      /hom_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/me"\}/,
    );
    assert.match(metrics.body, /hom_process_resident_memory_bytes \d+/);
  });

  test("request ids: a sane client id is echoed, otherwise one is made", async () => {
    const given = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "tablet-7:42" } });
    assert.equal(given.headers["x-request-id"], "tablet-7:42");
    const made = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "<script>" } });
    assert.match(made.headers["x-request-id"] as string, /^[0-9a-f-]{36}$/);
    // The request id lands in the audit entry of the write it caused.
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: { ...t.adminAuth, "x-request-id": "req-create-1" },
      payload: { username: "with-request-id", password: "long-enough-1", role: "viewer" },
    });
    const entry = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .select("request_id")
      .where("entity_id", "=", res.json().id)
      .executeTakeFirstOrThrow();
    assert.equal(entry.request_id, "req-create-1");
  });

  test("security headers are set and CORS is closed by default", async () => {
    const res = await t.app.inject({ url: "/api/v1/me", headers: { ...t.adminAuth, origin: "https://evil.example" } });
    assert.match(res.headers["content-security-policy"] as string, /default-src 'self'/);
    assert.doesNotMatch(res.headers["content-security-policy"] as string, /upgrade-insecure-requests/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["x-frame-options"], "SAMEORIGIN");
    assert.equal(res.headers["access-control-allow-origin"], undefined);
    const preflight = await t.app.inject({
      method: "OPTIONS",
      url: "/api/v1/me",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    assert.equal(preflight.headers["access-control-allow-origin"], undefined);
  });

  test("oversized bodies are a 413, unknown API routes a JSON 404, other paths the web app", async () => {
    const big = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: t.adminAuth,
      payload: { username: "big", password: "long-enough-1", role: "viewer", full_name: "x".repeat(5000) },
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, "PAYLOAD_TOO_LARGE");
    const missing = await t.app.inject({ url: "/api/v1/does-not-exist" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, "NOT_FOUND");
    const page = await t.app.inject({ url: "/plant/lines/42" });
    assert.equal(page.statusCode, 200);
    assert.equal((await t.app.inject({ method: "HEAD", url: "/plant/lines/42" })).statusCode, 200);
    assert.equal((await t.app.inject({ url: "/assets/index-old0000.js" })).statusCode, 404);
    assert.match(page.headers["content-type"] as string, /text\/html/);
    assert.match(page.body, /<html|<!doctype html>/i);
  });

  test("OpenAPI document, its UI, /docs and GraphiQL are served", async () => {
    const doc = await t.app.inject({ url: "/api/openapi.json" });
    assert.equal(doc.statusCode, 200);
    const spec = doc.json();
    assert.equal(spec.openapi, "3.1.0");
    for (const path of [
      "/api/v1/auth/token",
      "/api/v1/auth/refresh",
      "/api/v1/auth/logout",
      "/api/v1/me",
      "/api/v1/users",
      "/api/v1/users/{id}",
      "/api/v1/audit",
      "/api/v1/audit/verify",
      "/healthz",
      "/readyz",
    ]) {
      assert.ok(spec.paths[path], `missing ${path}`);
    }
    assert.equal((await t.app.inject({ url: "/api/docs/" })).statusCode, 200);
    const docs = await t.app.inject({ url: "/docs" });
    assert.equal(docs.statusCode, 302);
    assert.equal(docs.headers.location, "/api/docs");
    assert.equal((await t.app.inject({ url: "/graphiql" })).statusCode, 200);
  });

  test("GraphQL: cost and batching limits, syntax errors, oversized bodies, the error model", async () => {
    const unknownField = await graphql(
      t.app,
      `
        {
          users {
            edges {
              pageInfo {
                hasNextPage
              }
            }
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(unknownField.status, 400);
    assert.equal(unknownField.body.errors?.[0].extensions.code, "BAD_USER_INPUT");

    const costly = await graphql(
      t.app,
      `
        {
          users(first: 500) {
            edges {
              node {
                id
                username
                email
                role
              }
            }
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.equal(costly.status, 400);
    assert.match(costly.body.errors?.[0].message, /too expensive/);

    // Aliases count as the fields they repeat (the cost limit is 200 in this app).
    const aliases = Array.from({ length: 250 }, (_, i) => `a${i}:__typename`).join(" ");
    const aliased = await graphql(t.app, `{ ${aliases} }`, {}, t.adminAuth);
    assert.equal(aliased.status, 400);
    assert.match(aliased.body.errors?.[0].message, /too expensive/);

    const batch = await t.app.inject({
      method: "POST",
      url: "/graphql",
      payload: [{ query: "{ me { id } }" }, { query: "{ me { id } }" }],
    });
    assert.ok(batch.statusCode >= 400 && batch.statusCode < 500, `batched queries gave ${batch.statusCode}`);

    const syntax = await graphql(t.app, `{ me { `, {}, t.adminAuth);
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body.errors?.[0].extensions.code, "BAD_USER_INPUT");

    const malformed = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json" },
      payload: "{oops",
    });
    assert.equal(malformed.statusCode, 400);

    const oversized = await graphql(t.app, `{ me { id } } # ${"x".repeat(5000)}`, {}, t.adminAuth);
    assert.equal(oversized.status, 413);
    assert.equal(oversized.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
  });

  test("GraphQL query depth above the limit is refused", async () => {
    // Introspection lets us nest deeply without a recursive type of our own.
    const depth = 14;
    let selection = "name";
    for (let i = 0; i < depth; i++) selection = `ofType { ${selection} }`;
    const res = await graphql(t.app, `{ __schema { types { fields { type { ${selection} } } } } }`, {}, t.adminAuth);
    assert.equal(res.status, 400);
    assert.ok(res.body.errors && res.body.errors.length > 0);
  });
});

forEachBackend("cors configured", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend, { HOM_CORS_ORIGINS: "https://hom.plant.example" });
  });
  after(() => t.close());

  test("only the configured origin is allowed", async () => {
    const ok = await t.app.inject({ url: "/healthz", headers: { origin: "https://hom.plant.example" } });
    assert.equal(ok.headers["access-control-allow-origin"], "https://hom.plant.example");
    const other = await t.app.inject({ url: "/healthz", headers: { origin: "https://evil.example" } });
    assert.equal(other.headers["access-control-allow-origin"], undefined);
  });
});
