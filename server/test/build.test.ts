import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
// @ts-expect-error -- plain JavaScript without declarations; its exports are used as documented there
import { build, toJavaScript } from "../build.mjs";
import { NODE24, REPO_ROOT, createTestEnv, forEachBackend, serveHom, type TestEnv } from "./helpers.ts";

/**
 * Production start runs server/dist, the sources with their types stripped once (server/build.mjs).
 * The built server is started with Node's type stripping turned off, so a module still loaded as
 * TypeScript would stop it.
 */
const toJs = toJavaScript as (source: string, file: string, strip: typeof stripTypeScriptTypes) => string;
const runBuild = build as (outDir: string) => Promise<number>;
const NO_TYPESCRIPT = "--no-experimental-strip-types";
const execFileAsync = promisify(execFile);

test("relative .ts imports point at .js; types become spaces, so lines and columns stay", () => {
  const source = [
    'import { a } from "./a.ts";',
    'import type { T } from "../t.ts";',
    'export * from "../b/c.ts";',
    'import "./side-effect.ts";',
    'import fs from "node:fs";',
    'const lazy = await import("./lazy.ts");',
    "export function f(x: T): number { return a(x) + lazy.n + fs.constants.F_OK; }",
  ].join("\n");
  const code = toJs(source, "x.ts", stripTypeScriptTypes);
  const lines = code.split("\n");
  assert.equal(lines.length, 7);
  assert.equal(lines[0], 'import { a } from "./a.js";');
  assert.equal(lines[1].trim(), "", "a type-only import disappears");
  assert.equal(lines[2], 'export * from "../b/c.js";');
  assert.equal(lines[3], 'import "./side-effect.js";');
  assert.equal(lines[4], 'import fs from "node:fs";');
  assert.equal(lines[5], 'const lazy = await import("./lazy.js");');
  assert.equal(lines[6].indexOf("return"), source.split("\n")[6].indexOf("return"));
  assert.doesNotMatch(lines[6], /: (T|number)/);
});

test("a .ts path the build cannot rewrite stops the build with the file named", () => {
  assert.throws(
    () => toJs('new Worker(new URL("./worker.ts", import.meta.url));', "jobs/w.ts", stripTypeScriptTypes),
    /jobs\/w\.ts: cannot rewrite the module specifier "\.\/worker\.ts"/,
  );
});

let outDir: string;
before(async () => {
  // Inside server/ so that its packages resolve from node_modules as server/dist's do.
  outDir = mkdtempSync(path.join(REPO_ROOT, "server/.dist-test-"));
  await runBuild(outDir);
});
after(() => rmSync(outDir, { recursive: true, force: true }));

test("the build holds every module as .js and the files that are not modules", () => {
  const all = readdirSync(outDir, { recursive: true, encoding: "utf8" });
  assert.ok(all.includes("main.js"));
  assert.ok(all.includes(path.join("access", "common-passwords.txt")));
  assert.ok(all.includes(path.join("modules", "backups", "sqlite-snapshot-worker.js")));
  assert.deepEqual(
    all.filter((f) => f.endsWith(".ts")),
    [],
  );
});

forEachBackend("built server", (backend) => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv(backend);
  });
  after(() => env.cleanup());

  const cli = async (args: string[]) => {
    try {
      const { stdout } = await execFileAsync(NODE24, [NO_TYPESCRIPT, path.join(outDir, "main.js"), ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", ...env.env },
      });
      return { code: 0, stdout, stderr: "" };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  test("serves without type stripping: logs in, lists tools, shuts down on SIGTERM", async () => {
    const { child, base, output } = await serveHom([NO_TYPESCRIPT, path.join(outDir, "main.js"), "serve"], {
      ...env.env,
      HOM_ADMIN_PASSWORD: "built-admin-password",
      HOM_LOG_LEVEL: "warn",
    });
    try {
      const login = await fetch(`${base}/api/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "built-admin-password" }),
      });
      assert.equal(login.status, 200, output());
      const { access_token } = (await login.json()) as { access_token: string };
      const tools = await fetch(`${base}/api/v1/tools?limit=100`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      assert.equal(tools.status, 200);
      assert.deepEqual(((await tools.json()) as { items: unknown[] }).items, []);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0, output());
  });

  test("CLI commands run from the build: audit verify, and a backup (on SQLite its snapshot runs in a worker thread)", async () => {
    const verify = await cli(["audit", "verify"]);
    assert.equal(verify.code, 0, verify.stderr);
    const out = mkdtempSync(path.join(os.tmpdir(), "hom-built-backup-"));
    try {
      const backup = await cli(["backup", "--out", out]);
      assert.equal(backup.code, 0, backup.stderr);
      assert.equal(readdirSync(out).length, 1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
