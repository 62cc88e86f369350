import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT } from "./helpers.ts";

/**
 * The deployment files: docker-compose validates the compose file (required under CI=true,
 * where .ci/run installs it); the Dockerfile and the systemd unit keep the properties the
 * operations guide promises.
 */
const DEPLOY = path.join(REPO_ROOT, "deploy");
const hasCompose = spawnSync("sh", ["-c", "command -v docker-compose"]).status === 0;
const run = promisify(execFile);

test(
  "docker-compose accepts deploy/docker-compose.yml with every service the guide names",
  { skip: hasCompose || process.env.CI === "true" ? false : "docker-compose is not installed" },
  async () => {
    const { stdout } = await run("docker-compose", [
      "-f",
      path.join(DEPLOY, "docker-compose.yml"),
      "config",
      "--services",
    ]);
    const services = stdout.trim().split("\n").sort();
    assert.deepEqual(services, ["caddy", "grafana", "hom", "minio", "mosquitto", "postgres", "prometheus"]);
    const resolved = await run("docker-compose", ["-f", path.join(DEPLOY, "docker-compose.yml"), "config"], {
      env: { ...process.env, POSTGRES_PASSWORD: "from-env-123" },
    });
    assert.match(resolved.stdout, /DATABASE_URL: postgres:\/\/hom:from-env-123@postgres:5432\/hom/);
  },
);

test("the image runs as a non-root user with a health check, behind tini", () => {
  const dockerfile = readFileSync(path.join(DEPLOY, "Dockerfile"), "utf8");
  assert.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2, "multi-stage");
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/readyz/m);
  assert.match(dockerfile, /postgresql-client/);
  assert.match(dockerfile, /ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/);
});

test("the systemd unit waits for readiness, has a watchdog and a read-only root", () => {
  const unit = readFileSync(path.join(DEPLOY, "systemd/hom.service"), "utf8");
  for (const line of [
    "Type=notify",
    "NotifyAccess=all",
    "WatchdogSec=30",
    "ProtectSystem=strict",
    "ReadWritePaths=/var/lib/hom",
    "Environment=HOM_DATA_DIR=/var/lib/hom",
  ]) {
    assert.match(unit, new RegExp(`^${line}$`, "m"), line);
  }
});
