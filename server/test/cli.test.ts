import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { createTestEnv, forEachBackend, hom, serveHom, type TestEnv } from "./helpers.ts";

forEachBackend("hom CLI", (backend) => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv(backend);
  });
  after(() => env.cleanup());

  test("migrate applies the schema once", async () => {
    const first = await hom(["migrate"], env.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Applied: 0001_foundation/);
    const second = await hom(["migrate"], env.env);
    assert.match(second.stdout, /up to date/);
  });

  test("user create, list and passwd; bad arguments exit 2 with usage", async () => {
    const created = await hom(
      ["user", "create", "--username", "anna", "--role", "technician", "--full-name", "Anna Nowak"],
      env.env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created anna \(technician\)/);
    assert.match(created.stdout, /Password: \S{12,}/);

    const duplicate = await hom(["user", "create", "--username", "ANNA", "--role", "viewer"], env.env);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already taken/);

    const badRole = await hom(["user", "create", "--username", "bob", "--role", "boss"], env.env);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /unknown role "boss"/);

    const shortPassword = await hom(["user", "passwd", "--username", "anna", "--password", "short"], env.env);
    assert.equal(shortPassword.code, 1);
    assert.match(shortPassword.stderr, /password: must be at least 12 characters/);

    const passwd = await hom(["user", "passwd", "--username", "anna"], {
      ...env.env,
      HOM_USER_PASSWORD: "anna-new-password",
    });
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.doesNotMatch(passwd.stdout, /anna-new-password/);

    const list = await hom(["user", "list"], env.env);
    assert.match(list.stdout, /^anna\s+technician\s+active/m);

    assert.equal((await hom(["frobnicate"], env.env)).code, 2);
    const help = await hom(["--help"], env.env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /audit verify/);
  });

  test("a bad configuration stops the start with a clear message and exit code 2", async () => {
    const res = await hom(["serve"], { ...env.env, PORT: "99999", HOM_JWT_SECRET: "tiny" });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Invalid configuration/);
    assert.match(res.stderr, /PORT: must be a whole number/);
    assert.match(res.stderr, /HOM_JWT_SECRET: must be at least 32 characters/);
    assert.doesNotMatch(res.stderr, /tiny/);
  });

  test("serve: logs in as the CLI-made user over a socket and shuts down cleanly on SIGTERM", async () => {
    const { child, base, output } = await serveHom(["server/src/main.ts", "serve"], {
      ...env.env,
      HOM_LOG_LEVEL: "info",
    });
    try {
      const res = await fetch(`${base}/api/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "anna", password: "anna-new-password" }),
      });
      assert.equal(res.status, 200);
      assert.ok(((await res.json()) as { access_token?: string }).access_token);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0, output());
    assert.match(output(), /shutting down/);
    assert.doesNotMatch(output(), /anna-new-password/);
  });
});
