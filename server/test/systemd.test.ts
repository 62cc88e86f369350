import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { NODE24, REPO_ROOT, createTestEnv, type TestEnv } from "./helpers.ts";

/**
 * Readiness and watchdog for systemd (Type=notify): `hom serve` under a NOTIFY_SOCKET tells
 * systemd-notify it is ready once it listens, pings the watchdog, and says it is stopping. A
 * stand-in systemd-notify on PATH records what it is asked to send.
 */
let env: TestEnv;
let bin: string;
before(async () => {
  env = await createTestEnv("sqlite");
  bin = mkdtempSync(path.join(tmpdir(), "hom-systemd-"));
  const script = path.join(bin, "systemd-notify");
  writeFileSync(script, `#!/bin/sh\necho "$*" >> "${path.join(bin, "log")}"\n`);
  chmodSync(script, 0o755);
});
after(async () => {
  rmSync(bin, { recursive: true, force: true });
  await env.cleanup();
});

test("hom serve notifies READY after listening, pings the watchdog, and STOPPING on SIGTERM", async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(NODE24, ["server/src/main.ts", "serve"], {
    cwd: REPO_ROOT,
    env: {
      ...env.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      PORT: String(port),
      NOTIFY_SOCKET: "/run/systemd/notify-test",
      WATCHDOG_USEC: "1000000",
    },
    stdio: "ignore",
  });
  const log = path.join(bin, "log");
  const lines = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  try {
    const started = Date.now();
    while (!lines().some((l) => l.includes("--ready"))) {
      if (Date.now() - started > 20_000) throw new Error("no READY in 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    // Ready means listening: the health check answers.
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    while (lines().filter((l) => l.includes("WATCHDOG=1")).length < 2) {
      if (Date.now() - started > 20_000) throw new Error("no watchdog pings");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  }
  await new Promise((r) => setTimeout(r, 300));
  const all = lines();
  assert.match(all[0], new RegExp(`^--pid=${child.pid} --ready`));
  assert.ok(all.some((l) => l.endsWith("STOPPING=1")));
});
