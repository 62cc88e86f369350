import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { loadConfig } from "../src/config.ts";
import {
  ADMIN_PASSWORD,
  JWT_SECRET,
  NODE24,
  REPO_ROOT,
  createTestEnv,
  forEachBackend,
  hom,
  type TestEnv,
} from "./helpers.ts";

const ENCRYPTION_KEY = "c0ffee".repeat(10) + "beef"; // 64 hex digits
const WRONG_PASSWORD = "wrong-guess-Zebra-991";
const USER_PASSWORD = "first-choice-Otter-552";
const NEW_PASSWORD = "second-choice-Heron-713";
const GRAPHQL_WRONG_PASSWORD = "graphql-guess-Lynx-204";
const DB_PASSWORD = "db-Password-Walrus-38";

/**
 * A realistic sequence with logging at debug level, every byte of output captured, then searched
 * for the secrets that went through it: the JWT secret, the encryption key (and the SQLite key
 * derived from it), the passwords typed, a database password in a connection string.
 */
forEachBackend("secrets stay out of logs and messages", (backend) => {
  let env: TestEnv;
  const outputs: string[] = [];
  before(async () => {
    env = await createTestEnv(backend, { HOM_ENCRYPTION_KEY: ENCRYPTION_KEY, HOM_LOG_LEVEL: "debug" });
  });
  after(() => env.cleanup());

  test("start, logins, a new user, password changes and failures log no secret", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(NODE24, ["server/src/main.ts", "serve"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", ...env.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const base = `http://127.0.0.1:${port}`;
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${url}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    try {
      const started = Date.now();
      while (
        !(await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() - started > 20_000) throw new Error(`server did not become ready:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await post("/api/v1/auth/token", { username: "admin", password: WRONG_PASSWORD })).status, 401);
      const login = await post("/api/v1/auth/token", { username: "admin", password: ADMIN_PASSWORD });
      assert.equal(login.status, 200);
      const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
      assert.equal(
        (await post("/api/v1/users", { username: "sam", password: USER_PASSWORD, role: "technician" }, auth)).status,
        201,
      );
      const sam = await post("/api/v1/auth/token", { username: "sam", password: USER_PASSWORD });
      const samAuth = { authorization: `Bearer ${((await sam.json()) as { access_token: string }).access_token}` };
      const changed = await post(
        "/api/v1/me/password",
        { current_password: USER_PASSWORD, new_password: NEW_PASSWORD },
        samAuth,
      );
      assert.equal(changed.status, 204);
      // A weak password refused, a malformed body and a form login carrying passwords, a GraphQL failure.
      assert.equal(
        (await post("/api/v1/me/password", { current_password: NEW_PASSWORD, new_password: "password1234" }, samAuth))
          .status,
        422,
      );
      assert.equal((await post("/api/v1/auth/token", `{"username":"sam","password":"${NEW_PASSWORD}"`)).status, 400);
      const form = await fetch(`${base}/api/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `grant_type=password&username=sam&password=${NEW_PASSWORD}`,
      });
      assert.equal(form.status, 200);
      const gql = await post("/graphql", {
        query: `mutation($p: String!) { login(username: "sam", password: $p) { accessToken } }`,
        variables: { p: GRAPHQL_WRONG_PASSWORD },
      });
      assert.equal(((await gql.json()) as { errors: unknown[] }).errors.length, 1);
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    assert.match(output, /incoming request/, "debug logging must have captured the requests");
    assert.match(output, /\/api\/v1\/auth\/token/);
    outputs.push(output);
  });

  test("a failing database connection string with a password, and a bad key, print no secret", async () => {
    const unreachable = await hom(["migrate"], {
      ...env.env,
      DATABASE_URL: `postgres://hom:${DB_PASSWORD}@127.0.0.1:1/test`,
    });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /ECONNREFUSED/);
    const wrongScheme = await hom(["migrate"], { ...env.env, DATABASE_URL: `mysql://hom:${DB_PASSWORD}@db/hom` });
    assert.equal(wrongScheme.code, 2);
    assert.match(wrongScheme.stderr, /DATABASE_URL: must be a postgres:\/\/ URL/);
    assert.match(wrongScheme.stderr, /mysql:\/\/hom:\*\*\*@db\/hom/, "the rest of the URL still helps");
    const badKey = await hom(["migrate"], { ...env.env, HOM_ENCRYPTION_KEY: "too-short-key" });
    assert.equal(badKey.code, 2);
    assert.ok(!badKey.stderr.includes("too-short-key"));
    outputs.push(...[unreachable, wrongScheme, badKey].flatMap((r) => [r.stdout, r.stderr]));
  });

  test("none of the secrets appears anywhere in the captured output", () => {
    assert.ok(outputs.length > 1);
    const all = outputs.join("\n");
    const derived = loadConfig(env.env).encryptionKey!.derive("sqlite-database").toString("hex");
    for (const [name, secret] of Object.entries({
      JWT_SECRET,
      ENCRYPTION_KEY,
      derived,
      ADMIN_PASSWORD,
      WRONG_PASSWORD,
      USER_PASSWORD,
      NEW_PASSWORD,
      GRAPHQL_WRONG_PASSWORD,
      DB_PASSWORD,
    })) {
      assert.ok(!all.includes(secret), `${name} leaked into the output`);
    }
  });
});
