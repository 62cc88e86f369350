import assert from "node:assert/strict";
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, createTestApp, forEachBackend, type TestApp } from "./helpers.ts";

/**
 * deploy/prometheus and deploy/grafana against the real tools: promtool checks the rules and
 * Debian's prometheus scrapes a running HOM. Without the tools the tests skip locally; under
 * CI=true a missing tool is a failure (.ci/run installs the `prometheus` package).
 */
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const inCi = process.env.CI === "true";
const skipWithout = (tool: string) => (has(tool) || inCi ? false : `${tool} is not installed`);
const run = promisify(execFile);
const DEPLOY = path.join(REPO_ROOT, "deploy");

interface Dashboard {
  panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
}
const dashboard = JSON.parse(
  readFileSync(path.join(DEPLOY, "grafana/dashboards/hom-overview.json"), "utf8"),
) as Dashboard;
const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

test("promtool accepts the alert rules and the scrape configuration", { skip: skipWithout("promtool") }, async () => {
  const rules = await run("promtool", ["check", "rules", path.join(DEPLOY, "prometheus/alerts.yml")]);
  assert.match(rules.stdout, /SUCCESS: \d+ rules found/);
  const config = await run("promtool", ["check", "config", path.join(DEPLOY, "prometheus/prometheus.yml")]);
  assert.match(config.stdout, /is valid prometheus config file/);
  const alerts = readFileSync(path.join(DEPLOY, "prometheus/alerts.yml"), "utf8");
  for (const name of [
    "HomInstanceDown",
    "HomBackupFailing",
    "HomBackupStale",
    "HomIngestStalled",
    "HomManyOverdueActions",
  ]) {
    assert.match(alerts, new RegExp(`alert: ${name}\\b`));
  }
});

test("the Grafana provisioning points at one Prometheus datasource the dashboard uses", () => {
  const datasource = readFileSync(path.join(DEPLOY, "grafana/provisioning/datasources/prometheus.yml"), "utf8");
  assert.match(datasource, /uid: hom-prometheus/);
  for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
    assert.equal(panel.datasource?.uid, "hom-prometheus", panel.title);
    assert.ok(panel.targets?.length, panel.title);
  }
  assert.ok(expressions.length >= 10);
});

forEachBackend("Prometheus scrapes HOM", (backend) => {
  let t: TestApp;
  let prometheus: ChildProcess | undefined;
  let work: string;
  let promUrl: string;
  let output = "";

  before(async () => {
    if (!has("prometheus")) return;
    t = await createTestApp(backend);
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const homPort = (t.app.server.address() as AddressInfo).port;
    work = mkdtempSync(path.join(tmpdir(), "hom-prom-"));
    writeFileSync(
      path.join(work, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        `rule_files: ["${path.join(DEPLOY, "prometheus/alerts.yml")}"]`,
        "scrape_configs:",
        "  - job_name: hom",
        `    static_configs: [{ targets: ["127.0.0.1:${homPort}"] }]`,
      ].join("\n"),
    );
    const promPort = 20000 + Math.floor(Math.random() * 30000);
    promUrl = `http://127.0.0.1:${promPort}`;
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${path.join(work, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(work, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout!.on("data", (c) => (output += c));
    prometheus.stderr!.on("data", (c) => (output += c));
  });
  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill("SIGTERM");
      await once(prometheus, "exit");
    }
    if (work) rmSync(work, { recursive: true, force: true });
    await t?.close();
  });

  async function query(
    expr: string,
  ): Promise<{ status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return res.json() as never;
  }

  test(
    "the target is up, HOM's metrics arrive, every dashboard query and alert rule evaluates",
    { skip: skipWithout("prometheus") },
    async () => {
      // Some traffic for the HTTP metrics.
      for (let i = 0; i < 5; i++) await t.app.inject({ method: "GET", url: "/api/v1/me", headers: t.adminAuth });
      const started = Date.now();
      for (;;) {
        const up = await query('up{job="hom"}').catch(() => undefined);
        const requests = await query('hom_http_requests_total{route="/api/v1/me"}').catch(() => undefined);
        if (up?.data.result[0]?.value[1] === "1" && (requests?.data.result.length ?? 0) > 0) break;
        if (Date.now() - started > 30_000) throw new Error(`no scrape in 30 s:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const metric of [
        "hom_maintenance_plans",
        "hom_downtimes_ongoing",
        "hom_process_resident_memory_bytes",
        "hom_nodejs_eventloop_lag_p99_seconds",
        "hom_http_request_duration_seconds_bucket",
      ]) {
        const res = await query(metric);
        assert.ok(res.data.result.length > 0, `${metric} was not scraped`);
      }
      for (const expr of expressions) {
        const res = await query(expr);
        assert.equal(res.status, "success", expr);
      }
      type Rules = { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
      // Rules are evaluated each second: wait for one round, then every rule must be healthy.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const fresh = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as Rules;
        const all = fresh.data.groups.flatMap((g) => g.rules);
        if (all.length > 0 && all.every((r) => r.health === "ok")) {
          assert.ok(all.some((r) => r.name === "HomInstanceDown"));
          break;
        }
        if (Date.now() > deadline)
          assert.fail(`rules not healthy: ${JSON.stringify(all.filter((r) => r.health !== "ok"))}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // The instance is up: HomInstanceDown is not firing.
      const alerts = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: { alertname: string } }[] };
      };
      assert.equal(
        alerts.data.alerts.some((a) => a.labels.alertname === "HomInstanceDown"),
        false,
      );
    },
  );
});
