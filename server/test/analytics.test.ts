import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../src/ids.ts";
import { bucketsOf } from "../src/modules/analytics/buckets.ts";
import { planCompliance } from "../src/modules/analytics/compliance.ts";
import { insightsRepo } from "../src/modules/analytics/insights-repo.ts";
import { analyticsRepo, type Scope } from "../src/modules/analytics/repo.ts";
import { kpisFrom } from "../src/modules/analytics/series.ts";
import { downtimeReasonsRepo } from "../src/modules/downtime-reasons/repo.ts";
import { createLineWithMachines, createTestApp, forEachBackend, graphql, restClient, type TestApp } from "./helpers.ts";

/**
 * Analytics beyond the KPIs (issue 9, docs/analytics.md) on a generated history: every result
 * through the API equals a raw computation from the records themselves, on both databases —
 * series split across bucket bounds against the KPI arithmetic per bucket from the rows alone,
 * shots per tool (daily totals, migration 0012) against the shot entries, utilisation, failures
 * per 100 k shots, failure trends and action ageing against plain loops over the tables.
 */

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const HISTORY_FROM = Date.parse("2026-01-01T00:00:00Z");
const HISTORY_TO = Date.parse("2026-04-30T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const close = (a: number | null, b: number | null, tolerance: number) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= tolerance;

forEachBackend("Analytics", (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof restClient>;
  const lines: string[] = [];
  const machines: { id: string; line_id: string }[] = [];
  const tools: string[] = [];
  const rand = random(91122);

  before(async () => {
    t = await createTestApp(backend);
    api = restClient(t.app, t.adminAuth);
    const k = t.runtime.db.kysely;
    const reasons = await k.selectFrom("downtime_reasons").select(["id", "category"]).execute();
    for (let l = 0; l < 2; l++) {
      const made = await createLineWithMachines(t, 2);
      lines.push(made.line.id);
      machines.push(...made.machines);
    }
    // Downtimes straight into the table (the 0006 triggers keep the day totals), many across midnight.
    const categories = ["planned", "unplanned", "unplanned", "unplanned", "excluded"];
    for (const machine of machines) {
      let at = HISTORY_FROM + Math.floor(rand() * DAY);
      while (at < HISTORY_TO) {
        const minutes = rand() < 0.6 ? 5 + rand() * 180 : 200 + rand() * 3 * 1440;
        const end = at + minutes * MINUTE;
        const ongoing = end >= HISTORY_TO;
        const category = categories[Math.floor(rand() * categories.length)];
        const pool = reasons.filter((r) => r.category === category);
        await k
          .insertInto("downtimes")
          .values({
            id: newId(at),
            machine_id: machine.id,
            line_id: machine.line_id,
            start_datetime: iso(at),
            end_datetime: ongoing ? null : iso(end),
            duration_minutes: ongoing ? null : (end - at) / MINUTE,
            category,
            reason_id: rand() < 0.15 ? null : pool[Math.floor(rand() * pool.length)].id,
            note: null,
            source: "import",
            repair_id: null,
            created_by: null,
            created_at: iso(at),
            updated_at: iso(at),
            deleted_at: rand() < 0.04 ? iso(end) : null,
          })
          .execute();
        at = end + Math.floor(rand() * 2 * DAY);
      }
    }
    // Tools, mounted in turns on the machines (history written into tool_mounts).
    for (let i = 0; i < 5; i++) {
      const res = await api.post("/api/v1/tools", {
        asset_number: `T-${i}`,
        name: `Mould ${i}`,
        cavity_count: 2,
        rated_life_shots: 500_000,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      tools.push(res.body.id);
    }
    for (const [i, toolId] of tools.entries()) {
      let at = HISTORY_FROM + i * 3 * DAY;
      let m = i % machines.length;
      while (at < HISTORY_TO) {
        const until = at + (5 + Math.floor(rand() * 20)) * DAY + Math.floor(rand() * DAY);
        await k
          .insertInto("tool_mounts")
          .values({
            id: newId(),
            tool_id: toolId,
            machine_id: machines[m].id,
            mounted_at: iso(at),
            unmounted_at: until >= HISTORY_TO ? null : iso(until),
            mounted_by: null,
            unmounted_by: null,
          })
          .execute();
        at = until + Math.floor(rand() * 4 * DAY);
        m = (m + 1) % machines.length;
      }
    }
    // Shots through the API (the write transaction keeps the daily totals), in batches.
    for (const toolId of tools) {
      const entries = [];
      for (let at = HISTORY_FROM; at < HISTORY_TO; at += Math.floor(rand() * 9 * 3600_000) + 600_000) {
        entries.push({ tool_id: toolId, count: 1 + Math.floor(rand() * 800), source: "import", recorded_at: iso(at) });
      }
      for (let i = 0; i < entries.length; i += 500) {
        const res = await api.post("/api/v1/shots", { entries: entries.slice(i, i + 500) });
        assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
      }
    }
    // Failure reports of tools and machines, actions of every state.
    const admin = await k.selectFrom("users").select("id").where("username", "=", "admin").executeTakeFirstOrThrow();
    const codes = await k.selectFrom("failure_codes").select("id").execute();
    const severities = ["low", "medium", "high", "critical"];
    for (let i = 0; i < 160; i++) {
      const at = HISTORY_FROM + Math.floor(rand() * (HISTORY_TO - HISTORY_FROM));
      const onTool = rand() < 0.7;
      await k
        .insertInto("failure_reports")
        .values({
          id: newId(),
          tool_id: onTool ? tools[Math.floor(rand() * tools.length)] : null,
          machine_id: onTool ? null : machines[Math.floor(rand() * machines.length)].id,
          failure_code_id: codes[Math.floor(rand() * 4)].id,
          severity: severities[Math.floor(rand() * 4)],
          occurred_at: iso(at),
          description: null,
          affected_components: "[]",
          impacted_part_numbers: "[]",
          containment_action: null,
          root_cause: null,
          root_cause_category: null,
          status: "open",
          shots_at: null,
          reported_by: admin.id,
          closed_at: null,
          created_at: iso(at),
          updated_at: iso(at),
        })
        .execute();
    }
    const statuses = ["open", "in_progress", "completed", "verified", "cancelled"];
    const now = Date.now();
    for (let i = 0; i < 120; i++) {
      const created = now - Math.floor(rand() * 150) * DAY - Math.floor(rand() * DAY);
      const due = rand() < 0.2 ? null : iso(created + Math.floor(rand() * 60) * DAY).slice(0, 10);
      await k
        .insertInto("actions")
        .values({
          id: newId(),
          title: `Action ${i}`,
          description: null,
          kind: "corrective",
          priority: ["low", "medium", "high", "critical"][i % 4],
          assignee_id: null,
          due_date: due,
          status: statuses[Math.floor(rand() * statuses.length)],
          failure_report_id: null,
          tool_id: i % 3 === 0 ? tools[i % tools.length] : null,
          machine_id: i % 3 === 1 ? machines[i % machines.length].id : null,
          repair_id: null,
          maintenance_log_id: null,
          plan_id: null,
          created_by: admin.id,
          created_at: iso(created),
          updated_at: iso(created),
        })
        .execute();
    }
  });
  after(() => t.close());

  const scopes = (): [string, Scope, Record<string, string>][] => [
    ["plant", {}, {}],
    ...lines.map((id, i): [string, Scope, Record<string, string>] => [`line ${i}`, { lineId: id }, { line_id: id }]),
    ["machine 0", { machineId: machines[0].id }, { machine_id: machines[0].id }],
  ];
  const periods: [string, string, string][] = [
    ["2026-01-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z", "week"],
    ["2026-01-13T07:30:00.000Z", "2026-03-02T18:45:00.000Z", "day"],
    ["2025-12-20T00:00:00.000Z", "2026-06-01T00:00:00.000Z", "month"],
    ["2026-02-03T05:00:00.000Z", "2026-02-03T17:00:00.000Z", "day"],
    ["2026-03-29T00:00:00.000Z", "2026-04-15T12:00:00.000Z", "week"],
  ];

  test("availability, MTTR and MTBF per bucket equal the KPI arithmetic over the rows of each bucket", async () => {
    const repo = analyticsRepo(t.runtime.db);
    const reasons = new Map((await downtimeReasonsRepo.all(t.runtime.db.kysely)).map((r) => [r.id, r]));
    let compared = 0;
    for (const [name, scope, params] of scopes()) {
      for (const [from, to, bucket] of periods) {
        const q = new URLSearchParams({ ...params, from, to, bucket });
        const res = await api.get(`/api/v1/analytics/series?${q}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const expectedBuckets = bucketsOf(bucket as "day", from, to)!;
        assert.deepEqual(
          res.body.items.map((i: { bucket: string }) => i.bucket),
          expectedBuckets.map((b) => b.key),
        );
        for (const item of res.body.items) {
          const period = { from: item.from, to: item.to };
          const raw = kpisFrom(
            await repo.totalsFromRows(scope, period),
            await repo.machineMinutes(scope, period),
            reasons,
          );
          const label = `${name} ${bucket} ${item.bucket}`;
          assert.equal(item.failures, raw.failures, `${label}: failures`);
          for (const key of ["planned_minutes", "excluded_minutes", "unplanned_minutes", "period_minutes"] as const) {
            assert.ok(close(item[key], raw[key], 0.011), `${label}: ${key} ${item[key]} vs ${raw[key]}`);
          }
          assert.ok(close(item.availability, raw.availability, 0.00011), `${label}: availability`);
          assert.ok(close(item.mttr_hours, raw.mttr_hours, 0.0011), `${label}: mttr`);
          assert.ok(close(item.mtbf_hours, raw.mtbf_hours, 0.0011), `${label}: mtbf`);
          if (raw.unplanned_minutes > 0) compared++;
        }
      }
    }
    assert.ok(compared > 150, `only ${compared} non-empty buckets compared`);
  });

  test("shots per tool from the daily totals equal the shot entries, and the totals equal a rebuild", async () => {
    const insights = insightsRepo(t.runtime.db);
    for (const [from, to] of periods) {
      const fast = await insights.shotsByTool({ from, to }, tools);
      const raw = await insights.shotsByToolFromRows({ from, to }, tools);
      assert.deepEqual(Object.fromEntries(fast), Object.fromEntries(raw), `${from} – ${to}`);
    }
    const k = t.runtime.db.kysely;
    const kept = await k.selectFrom("tool_shot_day_totals").selectAll().orderBy("tool_id").orderBy("day").execute();
    const entries = await k.selectFrom("shot_entries").select(["tool_id", "recorded_at", "delta"]).execute();
    const rebuilt = new Map<string, { shots: number; entries: number }>();
    for (const e of entries) {
      const key = `${e.tool_id}|${e.recorded_at.slice(0, 10)}`;
      const r = rebuilt.get(key) ?? { shots: 0, entries: 0 };
      r.shots += Number(e.delta);
      r.entries++;
      rebuilt.set(key, r);
    }
    assert.equal(kept.length, rebuilt.size);
    for (const row of kept) {
      assert.deepEqual(
        { shots: Number(row.shots), entries: Number(row.entries) },
        rebuilt.get(`${row.tool_id}|${row.day}`),
      );
    }
  });

  test("tool utilisation and failures per 100 k shots equal plain loops over mounts, downtimes, reports and entries", async () => {
    const k = t.runtime.db.kysely;
    const mounts = await k.selectFrom("tool_mounts").selectAll().execute();
    const downtimes = await k.selectFrom("downtimes").selectAll().where("deleted_at", "is", null).execute();
    const reports = await k.selectFrom("failure_reports").selectAll().execute();
    const entries = await k.selectFrom("shot_entries").select(["tool_id", "recorded_at", "delta"]).execute();
    const overlap = (a0: number, a1: number, b0: number, b1: number) =>
      Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
    for (const [from, to] of periods) {
      const f = Date.parse(from);
      const tt = Math.min(Date.parse(to), Date.now());
      const res = await api.get(`/api/v1/analytics/tool-utilisation?from=${from}&to=${to}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const top = await api.get(`/api/v1/analytics/top-tools?from=${from}&to=${to}&limit=500`);
      assert.equal(top.status, 200, JSON.stringify(top.body));
      for (const toolId of tools) {
        let mounted = 0;
        let down = 0;
        for (const m of mounts.filter((x) => x.tool_id === toolId)) {
          const ms = Math.max(Date.parse(m.mounted_at), f);
          const me = Math.min(m.unmounted_at ? Date.parse(m.unmounted_at) : tt, tt);
          if (me <= ms) continue;
          mounted += me - ms;
          for (const d of downtimes.filter((x) => x.machine_id === m.machine_id)) {
            down += overlap(ms, me, Date.parse(d.start_datetime), d.end_datetime ? Date.parse(d.end_datetime) : tt);
          }
        }
        const shots = entries
          .filter((e) => e.tool_id === toolId && Date.parse(e.recorded_at) >= f && Date.parse(e.recorded_at) < tt)
          .reduce((s, e) => s + Number(e.delta), 0);
        const item = res.body.items.find((i: { tool_id: string }) => i.tool_id === toolId);
        const label = `${toolId} ${from}`;
        assert.ok(
          close(item.mounted_minutes, mounted / MINUTE, 0.011),
          `${label}: mounted ${item.mounted_minutes} vs ${mounted / MINUTE}`,
        );
        assert.ok(close(item.running_minutes, (mounted - down) / MINUTE, 0.011), `${label}: running`);
        assert.equal(item.shots, shots, `${label}: shots`);
        const failures = reports.filter(
          (r) => r.tool_id === toolId && Date.parse(r.occurred_at) >= f && Date.parse(r.occurred_at) < tt,
        ).length;
        const ranked = top.body.items.find((i: { tool_id: string }) => i.tool_id === toolId);
        if (failures === 0) assert.equal(ranked, undefined, label);
        else {
          assert.equal(ranked.failures, failures, `${label}: failures`);
          assert.equal(ranked.shots, shots, `${label}: top-tools shots`);
          if (shots > 0) assert.ok(close(ranked.failures_per_100k_shots, (failures / shots) * 100_000, 0.001));
        }
      }
      const rates = top.body.items.map(
        (i: { failures_per_100k_shots: number | null }) => i.failures_per_100k_shots ?? -1,
      );
      assert.deepEqual(
        rates,
        [...rates].sort((a: number, b: number) => b - a),
        "worst first",
      );
    }
  });

  test("failure trends equal a count of the reports by bucket, code and severity; filters narrow them", async () => {
    const k = t.runtime.db.kysely;
    const reports = await k.selectFrom("failure_reports").selectAll().execute();
    const [from, to] = ["2026-01-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z"];
    const res = await api.get(`/api/v1/analytics/failure-trends?from=${from}&to=${to}&bucket=month`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const expected = new Map<string, number>();
    for (const r of reports)
      expected.set(
        `${r.occurred_at.slice(0, 7)}|${r.failure_code_id}|${r.severity}`,
        (expected.get(`${r.occurred_at.slice(0, 7)}|${r.failure_code_id}|${r.severity}`) ?? 0) + 1,
      );
    const got = new Map<string, number>(
      res.body.items.map((i: { bucket: string; failure_code_id: string; severity: string; count: number }) => [
        `${i.bucket}|${i.failure_code_id}|${i.severity}`,
        i.count,
      ]),
    );
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries(expected));
    assert.equal(
      res.body.by_severity.reduce((s: number, x: { count: number }) => s + x.count, 0),
      reports.length,
    );
    // One tool: only its own reports.
    const one = await api.get(
      `/api/v1/analytics/failure-trends?from=${from}&to=${to}&bucket=month&tool_id=${tools[0]}`,
    );
    assert.equal(
      one.body.by_code.reduce((s: number, x: { count: number }) => s + x.count, 0),
      reports.filter((r) => r.tool_id === tools[0]).length,
    );
    // A machine: its own reports and those of tools mounted on it at the time.
    const mounts = await k.selectFrom("tool_mounts").selectAll().where("machine_id", "=", machines[1].id).execute();
    const onMachine = reports.filter(
      (r) =>
        r.machine_id === machines[1].id ||
        mounts.some(
          (m) =>
            m.tool_id === r.tool_id &&
            m.mounted_at <= r.occurred_at &&
            (m.unmounted_at === null || m.unmounted_at > r.occurred_at),
        ),
    ).length;
    const byMachine = await api.get(
      `/api/v1/analytics/failure-trends?from=${from}&to=${to}&bucket=week&machine_id=${machines[1].id}`,
    );
    assert.equal(
      byMachine.body.by_code.reduce((s: number, x: { count: number }) => s + x.count, 0),
      onMachine,
    );
  });

  test("action ageing counts the outstanding actions by age and by days overdue", async () => {
    const k = t.runtime.db.kysely;
    const res = await api.get("/api/v1/analytics/actions-ageing");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const now = Date.parse(res.body.as_of);
    const today = res.body.as_of.slice(0, 10);
    const open = (await k.selectFrom("actions").selectAll().execute()).filter((a) =>
      ["open", "in_progress"].includes(a.status),
    );
    const ageOf = (a: { created_at: string }) => (now - Date.parse(a.created_at)) / DAY;
    const bucket = (days: number) => (days <= 7 ? 0 : days <= 30 ? 1 : days <= 90 ? 2 : 3);
    const byAge = [0, 0, 0, 0];
    const byOverdue = [0, 0, 0, 0];
    let overdue = 0;
    for (const a of open) {
      byAge[bucket(ageOf(a))]++;
      if (a.due_date !== null && a.due_date < today) {
        overdue++;
        const late = Math.round((Date.parse(today) - Date.parse(a.due_date)) / DAY);
        byOverdue[late <= 7 ? 0 : late <= 30 ? 1 : late <= 90 ? 2 : 3]++;
      }
    }
    assert.equal(res.body.outstanding, open.length);
    assert.equal(res.body.overdue, overdue);
    assert.deepEqual(
      res.body.by_age.map((b: { count: number }) => b.count),
      byAge,
    );
    assert.deepEqual(
      res.body.by_days_overdue.map((b: { count: number }) => b.count),
      byOverdue,
    );
    assert.deepEqual(
      res.body.by_days_overdue.map((b: { bucket: string }) => b.bucket),
      ["1-7", "8-30", "31-90", "91+"],
    );
    assert.ok(open.length > 10 && overdue > 3, "the generated actions must exercise the buckets");
  });

  test("GraphQL answers the same as REST", async () => {
    const [from, to] = ["2026-01-13T07:30:00.000Z", "2026-03-02T18:45:00.000Z"];
    const rest = await api.get(`/api/v1/analytics/series?from=${from}&to=${to}&bucket=week&line_id=${lines[0]}`);
    const gql = await graphql(
      t.app,
      `
        query ($from: String, $to: String, $line: ID) {
          analyticsSeries(from: $from, to: $to, lineId: $line, bucket: "week") {
            bucket
            items {
              bucket
              availability
              failures
              mttrHours
            }
          }
          toolUtilisation(from: $from, to: $to) {
            items {
              toolId
              shots
              runningMinutes
            }
          }
          topTools(from: $from, to: $to, limit: 3) {
            items {
              assetNumber
              failuresPer100kShots
            }
          }
          failureTrends(from: $from, to: $to) {
            bySeverity {
              severity
              count
            }
          }
          maintenanceCompliance(from: $from, to: $to) {
            judged
            compliance
          }
          actionsAgeing {
            outstanding
            byAge {
              bucket
              count
            }
          }
        }
      `,
      { from, to, line: lines[0] },
      t.adminAuth,
    );
    assert.equal(gql.body.errors, undefined, JSON.stringify(gql.body.errors));
    assert.deepEqual(
      gql.body.data!.analyticsSeries.items.map((i: { availability: number }) => i.availability),
      rest.body.items.map((i: { availability: number }) => i.availability),
    );
    const util = await api.get(`/api/v1/analytics/tool-utilisation?from=${from}&to=${to}`);
    assert.deepEqual(
      gql.body.data!.toolUtilisation.items.map((i: { shots: number }) => i.shots),
      util.body.items.map((i: { shots: number }) => i.shots),
    );
  });

  test("bad filters are 422s with the field named; a viewer may read analytics", async () => {
    const cases: [string, string][] = [
      ["/api/v1/analytics/series?bucket=year", "bucket"],
      ["/api/v1/analytics/series?from=2020-01-01&to=2026-01-01&bucket=day", "bucket"],
      [`/api/v1/analytics/series?machine_id=${machines[0].id}&line_id=${lines[0]}`, "line_id"],
      ["/api/v1/analytics/tool-utilisation?tool_id=nope", "tool_id"],
      ["/api/v1/analytics/top-tools?failure_code_id=nope", "failure_code_id"],
      ["/api/v1/analytics/top-tools?limit=-1", "limit"],
      ["/api/v1/analytics/top-tools?limit=99999999999", "limit"],
      ["/api/v1/analytics/failure-trends?from=2026-02-01&to=2026-01-01", "to"],
      ["/api/v1/analytics/maintenance-compliance?extra=1", "extra"],
      ["/api/v1/analytics/actions-ageing?from=2026-01-01", "from"],
      ["/api/v1/analytics/series?from=yesterday", "from"],
    ];
    for (const [url, field] of cases) {
      const res = await api.get(url);
      assert.equal(res.status, 422, `${url}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field || d.field.startsWith(field)),
        `${url}: ${JSON.stringify(res.body.error.details)}`,
      );
    }
    const viewer = await t.userWithRole("viewer");
    const res = await t.app.inject({ method: "GET", url: "/api/v1/analytics/actions-ageing", headers: viewer.auth });
    assert.equal(res.statusCode, 200);
    const anonymous = await t.app.inject({ method: "GET", url: "/api/v1/analytics/series" });
    assert.equal(anonymous.statusCode, 401);
  });

  test("maintenance compliance follows each plan's cycles: on time, early, after due, missed, pending; checklists", async () => {
    const k = t.runtime.db.kysely;
    const admin = await k.selectFrom("users").select("id").where("username", "=", "admin").executeTakeFirstOrThrow();
    const template = await k.selectFrom("checklist_templates").select(["id", "version"]).executeTakeFirstOrThrow();
    const tool = async (n: string) =>
      (await api.post("/api/v1/tools", { asset_number: n, name: n, cavity_count: 1 })).body.id as string;
    const [toolA, toolC] = [await tool("CMP-A"), await tool("CMP-C")];
    const plan = async (
      owner: { tool_id?: string; machine_id?: string },
      fields: { interval_days?: number; interval_shots?: number },
      created: string,
    ) => {
      const id = newId();
      await k
        .insertInto("maintenance_plans")
        .values({
          id,
          tool_id: owner.tool_id ?? null,
          machine_id: owner.machine_id ?? null,
          name: `plan ${id.slice(-4)}`,
          activity: "inspection",
          interval_shots: fields.interval_shots ?? null,
          interval_days: fields.interval_days ?? null,
          warn_at_percent: 90,
          checklist_template_id: null,
          active: true,
          last_done_at: created,
          last_done_shots: 0,
          created_at: created,
          updated_at: created,
        })
        .execute();
      return id;
    };
    const done = async (
      planId: string,
      owner: { tool_id?: string; machine_id?: string },
      at: string,
      withChecklist = true,
    ) => {
      await k
        .insertInto("maintenance_logs")
        .values({
          id: newId(),
          tool_id: owner.tool_id ?? null,
          machine_id: owner.machine_id ?? null,
          plan_id: planId,
          template_id: withChecklist ? template.id : null,
          template_version: withChecklist ? template.version : null,
          kind: "preventive",
          performed_by: admin.id,
          performed_at: at,
          duration_minutes: 30,
          shots_at: null,
          results: "[]",
          observations: null,
          spare_parts: "[]",
          cleaning_agents: null,
          follow_up_required: false,
          status: "completed",
          completed_at: at,
          signed_by: null,
          signed_at: null,
          created_by: admin.id,
          created_at: at,
          updated_at: at,
        })
        .execute();
    };
    // A: every 10 days. Done early (due 01-11), late (overdue at 01-20 00:00, done 12:00), early, then never again.
    const a = await plan({ tool_id: toolA }, { interval_days: 10 }, "2026-01-01T00:00:00.000Z");
    await done(a, { tool_id: toolA }, "2026-01-09T00:00:00.000Z");
    await done(a, { tool_id: toolA }, "2026-01-20T12:00:00.000Z");
    await done(a, { tool_id: toolA }, "2026-01-30T00:00:00.000Z");
    // B: every 10 days on a machine. Done after due but before overdue, then missed (overdue 02-22 12:00).
    const b = await plan({ machine_id: machines[0].id }, { interval_days: 10 }, "2026-02-01T00:00:00.000Z");
    await done(b, { machine_id: machines[0].id }, "2026-02-11T12:00:00.000Z", false);
    // C: every 1,000 shots: 1,100 by the end of 01-06 (due), 1,300 by the end of 01-08 (overdue 01-09); done 01-08 10:00.
    const c = await plan({ tool_id: toolC }, { interval_shots: 1000 }, "2026-01-01T00:00:00.000Z");
    const shots = [
      ["2026-01-05T08:00:00.000Z", 600],
      ["2026-01-06T08:00:00.000Z", 500],
      ["2026-01-08T08:00:00.000Z", 200],
    ] as const;
    const recorded = await api.post("/api/v1/shots", {
      entries: shots.map(([at, count]) => ({ tool_id: toolC, count, source: "import", recorded_at: at })),
    });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    await done(c, { tool_id: toolC }, "2026-01-08T10:00:00.000Z");

    const all = await api.get("/api/v1/analytics/maintenance-compliance?from=2026-01-01&to=2026-03-01");
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const byPlan = Object.fromEntries(all.body.items.map((i: { plan_id: string }) => [i.plan_id, i]));
    const pick = (i: Record<string, number>) => [
      i.judged,
      i.on_time,
      i.done_early,
      i.done_after_due,
      i.missed,
      i.pending,
    ];
    assert.deepEqual(pick(byPlan[a]), [4, 2, 2, 0, 2, 0], "A");
    assert.deepEqual(pick(byPlan[b]), [2, 1, 0, 1, 1, 0], "B");
    assert.deepEqual(pick(byPlan[c]), [1, 1, 0, 1, 0, 1], "C");
    assert.equal(all.body.judged, 7);
    assert.equal(all.body.on_time, 4);
    assert.equal(all.body.compliance, round4(4 / 7));
    // Checklists: A's three (the late one is not on time) and C's one; B's log had no checklist.
    assert.equal(all.body.checklists_completed, 4);
    assert.equal(all.body.checklists_on_time, 3);
    assert.equal(all.body.checklist_on_time_rate, 0.75);

    // A part of the period: only what was judged inside it counts.
    const part = await api.get(
      `/api/v1/analytics/maintenance-compliance?from=2026-01-15&to=2026-02-01&tool_id=${toolA}`,
    );
    assert.equal(part.status, 200, JSON.stringify(part.body));
    assert.deepEqual([part.body.judged, part.body.on_time, part.body.missed], [2, 1, 1]);
    assert.deepEqual([part.body.checklists_completed, part.body.checklists_on_time], [2, 1]);
    // The machine's line: B only (A and C were never mounted there).
    const line = await api.get(
      `/api/v1/analytics/maintenance-compliance?from=2026-01-01&to=2026-03-01&machine_id=${machines[0].id}`,
    );
    assert.deepEqual(
      line.body.items.map((i: { plan_id: string }) => i.plan_id),
      [b],
    );

    // Plans counted in shots whose cycle began before the period: the days before it are one sum
    // in the database. D was never done: due at the end of 01-06 (1,100 from 2025-12-01 on),
    // overdue at the end of 01-08 (1,300). Every period start around those days must give what
    // walking every day from the plan's creation gives.
    const d = await plan({ tool_id: toolC }, { interval_shots: 1000 }, "2025-12-01T00:00:00.000Z");
    const insights = insightsRepo(t.runtime.db);
    const allDays = (await insights.dailyShots([toolC], "2000-01-01", "2100-01-01")).map(
      (r) => [r.day, r.shots] as [string, number],
    );
    const stored = await k
      .selectFrom("maintenance_plans")
      .select(["id", "tool_id", "interval_shots", "interval_days", "created_at"])
      .where("id", "in", [c, d])
      .execute();
    for (let day = 2; day <= 12; day++) {
      for (const hour of ["00", "06"]) {
        const period = {
          from: `2026-01-${String(day).padStart(2, "0")}T${hour}:00:00.000Z`,
          to: "2026-03-01T00:00:00.000Z",
        };
        const res = await api.get(
          `/api/v1/analytics/maintenance-compliance?from=${period.from}&to=${period.to}&tool_id=${toolC}`,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const completions = await insights.planCompletions([c, d], period);
        for (const p of stored) {
          const expected = planCompliance(
            { ...p, created_at: new Date(p.created_at).toISOString() },
            completions.filter((x) => x.plan_id === p.id),
            allDays,
            period,
          );
          const got = res.body.items.find((i: { plan_id: string }) => i.plan_id === p.id) ?? {
            ...expected,
            judged: 0,
            pending: 0,
            checklists_completed: 0,
          };
          assert.deepEqual(
            pick(got),
            pick(expected as unknown as Record<string, number>),
            `${p.id === c ? "C" : "D"} from ${period.from}`,
          );
        }
      }
    }
    const dFrom = async (from: string) =>
      (
        await api.get(`/api/v1/analytics/maintenance-compliance?from=${from}&to=2026-03-01&tool_id=${toolC}`)
      ).body.items.find((i: { plan_id: string }) => i.plan_id === d);
    // Overdue (missed) on 01-09 00:00: judged in a period from 01-09, not in one from 01-10.
    assert.deepEqual(pick(await dFrom("2026-01-09")), [1, 0, 0, 0, 1, 0]);
    assert.equal(await dFrom("2026-01-10"), undefined);
  });
});

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
