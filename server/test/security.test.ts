import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import {
  ADMIN_PASSWORD,
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  type TestApp,
} from "./helpers.ts";

/**
 * Security checks of issue 11 that no other suite makes. Already covered elsewhere (and not
 * repeated here): expired, tampered, wrong-key and `alg: none` tokens, refresh-token reuse
 * revoking its session, account lockout and concurrent failures (auth.test.ts); GraphQL depth,
 * cost, aliases, batching and oversized bodies, security headers on an API response, CORS
 * (http.test.ts); others' sessions (accounts.test.ts), others' notifications
 * (notifications.test.ts), others' actions (actions.test.ts), others' photos and photo reads
 * without a role (photos.test.ts), no secret in logs (secrets.test.ts). docs/robustness.md lists
 * them all.
 */

const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
  "base64",
);

function multipart(fields: Record<string, string>, file: Buffer) {
  const boundary = "----hom-security";
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

forEachBackend("Security: owners, throttles, headers", (backend) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(backend, { HOM_LOGIN_IP_MAX_FAILURES: "5" });
  });
  after(() => t.close());

  test("IDOR: another technician's draft maintenance log is theirs to change and sign; an engineer may", async () => {
    const admin = restClient(t.app, t.adminAuth);
    const tool = await admin.post("/api/v1/tools", { asset_number: "SEC-1", name: "Mould", cavity_count: 1 });
    const alice = await t.userWithRole("technician", "alice-tech");
    const bob = await t.userWithRole("technician", "bob-tech");
    const engineer = await t.userWithRole("engineer", "erin-eng");
    const asAlice = restClient(t.app, alice.auth);
    const asBob = restClient(t.app, bob.auth);
    const draft = await asAlice.post("/api/v1/maintenance-logs", {
      tool_id: tool.body.id,
      kind: "cleaning",
      observations: "alice's notes",
    });
    assert.equal(draft.status, 201);
    const url = `/api/v1/maintenance-logs/${draft.body.id}`;
    const audits = await auditCount(t.runtime);

    // Bob reads it (every role reads logs) but may not change, complete or sign it.
    assert.equal((await asBob.get(url)).status, 200);
    const edit = await asBob.patch(url, { observations: "bob was here" });
    assert.equal(edit.status, 403, JSON.stringify(edit.body));
    assert.equal(edit.body.error.details[0].code, "maintenance:sign_others");
    const complete = await asBob.patch(url, { status: "completed" });
    assert.equal(complete.status, 403, JSON.stringify(complete.body));
    const gql = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          updateMaintenanceLog(id: $id, input: { observations: "via graphql" }) {
            id
          }
        }
      `,
      { id: draft.body.id },
      bob.auth,
    );
    assert.equal(gql.body.errors?.[0].extensions.code, "FORBIDDEN");
    assert.equal((await asAlice.get(url)).body.observations, "alice's notes", "nothing changed");
    assert.equal(await auditCount(t.runtime), audits, "refusals store nothing");

    // Its owner and an engineer may.
    assert.equal((await asAlice.patch(url, { observations: "alice, later", status: "completed" })).status, 200);
    assert.equal((await asBob.post(`${url}/sign`, { password: bob.password })).status, 403);
    assert.equal((await restClient(t.app, engineer.auth).patch(url, { observations: "reviewed" })).status, 200);
  });

  test("IDOR: a photo's meta and files need a live account; a deleted photo's files are gone for everyone", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const operator = await t.userWithRole("operator", "photo-op");
    const body = multipart({ entity_type: "machine", entity_id: machines[0].id, caption: "leak" }, PNG_1PX);
    const upload = await t.app.inject({
      method: "POST",
      url: "/api/v1/photos",
      headers: { ...operator.auth, "content-type": body.contentType },
      payload: body.payload,
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const photo = upload.json();
    const urls = [
      `/api/v1/photos/${photo.id}`,
      photo.url,
      photo.thumbnail_url,
      `/api/v1/photos/${photo.id}/annotated`,
      `/api/v1/photos?entity_type=machine&entity_id=${machines[0].id}`,
    ];
    const viewer = await t.userWithRole("viewer", "photo-viewer");
    for (const url of urls) {
      assert.equal((await t.app.inject({ url, headers: viewer.auth })).statusCode, 200, url);
      assert.equal((await t.app.inject({ url })).statusCode, 401, `anonymous ${url}`);
    }
    // A deactivated user's unexpired token reads nothing more.
    const off = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${viewer.id}`,
      headers: t.adminAuth,
      payload: { active: false },
    });
    assert.equal(off.statusCode, 200);
    for (const url of urls) assert.equal((await t.app.inject({ url, headers: viewer.auth })).statusCode, 401, url);

    // Deleted (soft): its files are not served, even to the admin.
    assert.equal((await restClient(t.app, operator.auth).delete(`/api/v1/photos/${photo.id}`)).status, 200);
    for (const url of urls.slice(0, 4)) {
      assert.equal((await t.app.inject({ url, headers: t.adminAuth })).statusCode, 404, url);
    }
  });

  test("brute force from one address: the per-address throttle answers 429 across usernames, then lets others in", async () => {
    const from = "10.0.0.7";
    const attempt = (username: string, password: string, remoteAddress = from) =>
      t.app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        remoteAddress,
        payload: { username, password },
      });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt(`nobody-${i}`, "guess-password")).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    const throttled = await attempt("admin", ADMIN_PASSWORD);
    assert.equal(throttled.statusCode, 429, "even the right password waits");
    assert.equal(throttled.json().error.code, "RATE_LIMITED");
    assert.ok(Number(throttled.headers["retry-after"]) > 0);
    assert.equal((await attempt("admin", ADMIN_PASSWORD, "10.0.0.8")).statusCode, 200, "another address is not held");
  });

  test("brute force through GraphQL aliases: one document of many logins is throttled like many requests", async () => {
    const logins = Array.from(
      { length: 12 },
      (_, i) => `a${i}: login(username: "ghost-${i}", password: "guess-${i}") { accessToken }`,
    ).join("\n");
    const started = performance.now();
    const res = await t.app.inject({
      method: "POST",
      url: "/graphql",
      remoteAddress: "10.0.0.9",
      payload: { query: `mutation { ${logins} }` },
    });
    const body = res.json();
    const codes = (body.errors ?? []).map((e: { extensions: { code: string } }) => e.extensions.code);
    assert.equal(codes.length, 12);
    assert.equal(codes.filter((c: string) => c === "UNAUTHENTICATED").length, 5, codes.join(","));
    assert.equal(codes.filter((c: string) => c === "RATE_LIMITED").length, 7, codes.join(","));
    assert.ok(performance.now() - started < 10_000);
  });

  test("CSP and the other security headers are on the web app, REST, GraphQL and operations responses", async () => {
    for (const url of [
      "/",
      "/plant",
      "/api/v1/me",
      "/graphql?query=%7B__typename%7D",
      "/healthz",
      "/api/openapi.json",
    ]) {
      const res = await t.app.inject({ url, headers: t.adminAuth });
      assert.ok(res.statusCode < 400, `${url}: ${res.statusCode}`);
      const csp = String(res.headers["content-security-policy"] ?? "");
      assert.match(csp, /default-src 'self'/, `${url}: CSP ${csp}`);
      assert.match(csp, /object-src 'none'/, `${url}: CSP ${csp}`);
      assert.match(csp, /frame-ancestors '(none|self)'/, `${url}: CSP ${csp}`);
      assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, `${url}: inline scripts allowed`);
      assert.equal(res.headers["x-content-type-options"], "nosniff", url);
      assert.equal(res.headers["x-frame-options"], "SAMEORIGIN", url);
      assert.equal(res.headers["referrer-policy"], "no-referrer", url);
      assert.equal(res.headers["x-powered-by"], undefined, url);
    }
  });
});

/** Opens a socket to the app, writes `chunks` one by one `gapMs` apart, and reports how it ended. */
async function trickle(
  port: number,
  chunks: string[],
  gapMs: number,
): Promise<{ closedAfterMs: number; response: string; sentAll: boolean }> {
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const started = performance.now();
  let response = "";
  let closed = false;
  socket.on("data", (d) => (response += d.toString()));
  socket.on("error", () => {});
  const ended = new Promise<number>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve(performance.now() - started);
    }),
  );
  let sentAll = true;
  for (const chunk of chunks) {
    if (closed) {
      sentAll = false;
      break;
    }
    socket.write(chunk);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const timer = setTimeout(() => socket.destroy(), 15_000);
  const closedAfterMs = await ended;
  clearTimeout(timer);
  return { closedAfterMs, response, sentAll };
}

forEachBackend("Security: slow clients are cut off", (backend) => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await createTestApp(backend, { HOM_HEADERS_TIMEOUT_MS: "1000", HOM_REQUEST_TIMEOUT_MS: "2000" });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as { port: number }).port;
  });
  after(() => t.close());

  test("headers sent a byte at a time (slowloris) get a 408 and a closed socket", async () => {
    const headers = "GET /healthz HTTP/1.1\r\nHost: hom\r\nX-Slow: " + "a".repeat(40);
    const result = await trickle(port, headers.split(""), 150);
    assert.equal(result.sentAll, false, "the server closed the socket before the headers were complete");
    assert.ok(result.closedAfterMs < 5000, `closed after ${result.closedAfterMs} ms`);
    assert.match(result.response, /^HTTP\/1\.1 408/);
  });

  test("a body trickled slower than the request timeout is cut off; the server keeps serving", async () => {
    const head = `POST /api/v1/auth/token HTTP/1.1\r\nHost: hom\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const result = await trickle(port, [head, ...Array(60).fill("{")], 100);
    assert.equal(result.sentAll, false);
    assert.ok(result.closedAfterMs < 6000, `closed after ${result.closedAfterMs} ms`);
    assert.match(result.response, /^HTTP\/1\.1 408/);
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(healthy.status, 200);
  });
});
