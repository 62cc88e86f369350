// The whole test suite: `npm test`.
// - server suites (node:test) once per backend: SQLite always, PostgreSQL when reachable;
// - web end-to-end tests (Playwright) in Debian's Chromium when it is installed.
// Locally a missing service is skipped LOUDLY; under CI=true it is a failure.
// The last line is the plain `N passed, N failed, N skipped` that CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "..");
const node = process.execPath;
const ci = process.env.CI === "true";
const args = new Set(process.argv.slice(2));
const runServer = !args.has("--e2e-only");
const runE2e = !args.has("--server-only");
const pgUrl = process.env.HOM_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const chromium = process.env.HOM_CHROMIUM ?? "/usr/bin/chromium";

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems: string[] = [];
const ran: string[] = [];

function banner(text: string): void {
  const line = "!".repeat(78);
  console.log(`\n${line}\n!! ${text}\n${line}\n`);
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function serverSuites(): Promise<void> {
  const backends = ["sqlite"];
  const pgError = await postgresReachable();
  if (pgError === null) backends.push("postgres");
  else if (ci) problems.push(`PostgreSQL at ${pgUrl} is unreachable (${pgError}); CI requires it`);
  else banner(`SKIPPED: PostgreSQL suites — ${pgUrl} unreachable (${pgError})`);

  console.log(`Server suites on: ${backends.join(", ")}`);
  const tapDir = mkdtempSync(path.join(tmpdir(), "hom-tap-"));
  const tapFile = path.join(tapDir, "server.tap");
  const result = spawnSync(
    node,
    [
      "--test",
      "--test-concurrency=2",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=tap",
      `--test-reporter-destination=${tapFile}`,
      "server/test/**/*.test.ts",
    ],
    { cwd: root, stdio: "inherit", env: { ...process.env, HOM_TEST_BACKENDS: backends.join(",") } },
  );
  const tap = existsSync(tapFile) ? readFileSync(tapFile, "utf8") : "";
  rmSync(tapDir, { recursive: true, force: true });
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(tap)?.[1] ?? 0);
  totals.passed += count("pass");
  totals.failed += count("fail") + count("cancelled");
  totals.skipped += count("skipped") + count("todo");
  if (result.status !== 0 && count("fail") + count("cancelled") === 0)
    problems.push(`server suites exited with ${result.status}`);
  ran.push(`server (${backends.join(" + ")})`);
}

function e2eSuites(): void {
  if (!existsSync(chromium)) {
    if (ci) problems.push(`Chromium not found at ${chromium}; CI requires it (apt-get install -y chromium)`);
    else banner(`SKIPPED: web end-to-end tests — no Chromium at ${chromium} (apt-get install -y chromium)`);
    return;
  }
  // Always build: the e2e tests must see the web app as it is now, not an older build.
  const build = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    problems.push("web build failed");
    return;
  }
  const report = path.join(root, "web/test-results/e2e.json");
  rmSync(report, { force: true });
  const result = spawnSync(
    node,
    [path.join(root, "node_modules/@playwright/test/cli.js"), "test", "-c", "playwright.config.ts"],
    {
      cwd: path.join(root, "web"),
      stdio: "inherit",
      env: { ...process.env },
    },
  );
  if (!existsSync(report)) {
    problems.push(`web end-to-end tests produced no report (exit ${result.status})`);
    return;
  }
  const stats = JSON.parse(readFileSync(report, "utf8")).stats as {
    expected: number;
    unexpected: number;
    flaky: number;
    skipped: number;
  };
  totals.passed += stats.expected + stats.flaky;
  totals.failed += stats.unexpected;
  totals.skipped += stats.skipped;
  if (result.status !== 0 && stats.unexpected === 0) problems.push(`web end-to-end tests exited with ${result.status}`);
  ran.push("web e2e (chromium)");
}

if (runServer) await serverSuites();
if (runE2e) e2eSuites();

console.log(`\nRan: ${ran.join("; ") || "nothing"}`);
for (const problem of problems) console.log(`PROBLEM: ${problem}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || problems.length > 0 || totals.passed === 0 ? 1 : 0);
