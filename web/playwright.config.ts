/**
 * End-to-end tests of the web app against the real HOM server, in Debian's Chromium.
 * Build the app first (`npm run build -w web` at the repository root): the server serves web/dist.
 * Run: cd web && ../node_modules/.bin/node ../node_modules/@playwright/test/cli.js test -c playwright.config.ts
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(webDir, "..");
// The repository's pinned Node 24 (system node may be older; the server needs type stripping).
const node = path.join(repoDir, "node_modules", ".bin", "node");
const port = Number(process.env.HOM_E2E_PORT ?? 18080);
const baseURL = `http://127.0.0.1:${port}`;

if (!existsSync(path.join(webDir, "dist", "index.html"))) {
  throw new Error("web/dist is missing: run `npm run build -w web` at the repository root before the e2e tests");
}

// A fresh data directory, so the server starts on an empty database with only "admin". The
// config is loaded again in each worker process; they inherit the variable, so only the runner
// makes (and at exit, after the server has been stopped, removes) the directory.
if (!process.env.HOM_E2E_DATA_DIR) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "hom-e2e-"));
  process.env.HOM_E2E_DATA_DIR = dataDir;
  process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
}

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/output",
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: `"${node}" ../server/src/main.ts serve`,
    cwd: webDir,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      HOM_DATA_DIR: process.env.HOM_E2E_DATA_DIR,
      HOM_ADMIN_PASSWORD: "e2e-admin-password",
      HOM_LOG_LEVEL: "warn",
    },
  },
});
