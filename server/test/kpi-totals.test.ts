import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { backfillDowntimeTotals } from "../src/db/migrations/0006_downtime_totals.ts";
import { backfillPlantDayTotals } from "../src/db/migrations/0013_plant_series.ts";
import { newId } from "../src/ids.ts";
import { analyticsRepo, type DowntimeTotals, type Period, type Scope } from "../src/modules/analytics/repo.ts";
import { createLineWithMachines, createTestApp, forEachBackend, restClient, type TestApp } from "./helpers.ts";

/**
 * The pre-aggregated day and month totals (migration 0006) against the rows they summarise:
 * on a generated history with every awkward shape — downtimes straddling days, months and the
 * period's bounds, ongoing ones, deleted, restored, edited and hard-deleted ones, written both
 * straight into the table and through the API — the KPI totals computed with the aggregates
 * must equal those computed from the rows alone, for the plant and each line, over many periods.
 */

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const HISTORY_FROM = Date.parse("2025-12-20T00:00:00Z");
const HISTORY_TO = Date.parse("2026-06-30T00:00:00Z");

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function sorted(totals: DowntimeTotals[]): DowntimeTotals[] {
  const key = (t: DowntimeTotals) => `${t.category}|${t.reason_id ?? ""}|${t.started_inside}`;
  return [...totals].sort((a, b) => key(a).localeCompare(key(b)));
}

function assertSameTotals(actual: DowntimeTotals[], expected: DowntimeTotals[], label: string): void {
  const a = sorted(actual);
  const e = sorted(expected);
  assert.deepEqual(
    a.map(({ minutes: _m, ...rest }) => rest),
    e.map(({ minutes: _m, ...rest }) => rest),
    `${label}: groups and counts`,
  );
  a.forEach((row, i) =>
    assert.ok(
      Math.abs(row.minutes - e[i].minutes) < 1e-6 * Math.max(1, e[i].minutes),
      `${label}: minutes of ${row.category}/${row.reason_id}: ${row.minutes} vs ${e[i].minutes}`,
    ),
  );
}

forEachBackend("Downtime totals (pre-aggregation)", (backend) => {
  let t: TestApp;
  let lines: string[];
  const rand = random(20261122);

  before(async () => {
    t = await createTestApp(backend);
    const kysely = t.runtime.db.kysely;
    const reasons = await kysely.selectFrom("downtime_reasons").select(["id", "category"]).execute();
    const categories = ["planned", "unplanned", "unplanned", "excluded"] as const;
    const plants = [await createLineWithMachines(t, 3), await createLineWithMachines(t, 3)];
    lines = plants.map((p) => p.line.id);

    // Rows written straight into the table: the insert trigger alone keeps the totals.
    const written: string[] = [];
    for (const plant of plants) {
      for (const machine of plant.machines) {
        let at = HISTORY_FROM + Math.floor(rand() * DAY);
        while (at < HISTORY_TO) {
          const roll = rand();
          const minutes =
            roll < 0.7 ? 1 + Math.floor(rand() * 240) : roll < 0.95 ? 240 + rand() * 2 * 1440 : 2880 + rand() * 5760;
          const end = at + minutes * MINUTE;
          const ongoing = end >= HISTORY_TO && rand() < 0.7;
          const category = categories[Math.floor(rand() * categories.length)];
          const pool = reasons.filter((r) => r.category === category);
          const reason = rand() < 0.15 ? null : pool[Math.floor(rand() * pool.length)].id;
          const id = newId();
          written.push(id);
          await kysely
            .insertInto("downtimes")
            .values({
              id,
              machine_id: machine.id,
              line_id: machine.line_id,
              start_datetime: iso(at),
              end_datetime: ongoing ? null : iso(end),
              duration_minutes: ongoing ? null : (end - at) / MINUTE,
              category,
              reason_id: reason,
              note: null,
              source: "import",
              repair_id: null,
              created_by: null,
              created_at: iso(at),
              updated_at: iso(at),
              deleted_at: rand() < 0.05 ? iso(end) : null,
            })
            .execute();
          at = end + Math.floor(rand() * 3 * DAY);
        }
      }
    }
    // Updates and deletes of every kind: the update and delete triggers.
    for (const [i, id] of written.entries()) {
      if (i % 17 === 0) {
        await kysely
          .updateTable("downtimes")
          .set({ category: "excluded", reason_id: null })
          .where("id", "=", id)
          .execute();
      } else if (i % 23 === 0)
        await kysely
          .updateTable("downtimes")
          .set({ deleted_at: iso(HISTORY_TO) })
          .where("id", "=", id)
          .execute();
      else if (i % 29 === 0)
        await kysely.updateTable("downtimes").set({ deleted_at: null }).where("id", "=", id).execute();
      else if (i % 31 === 0) await kysely.deleteFrom("downtimes").where("id", "=", id).execute();
      else if (i % 37 === 0)
        await kysely.updateTable("downtimes").set({ note: "only a note" }).where("id", "=", id).execute();
    }

    // And the way people write them: through the API on a machine of its own.
    const api = restClient(t.app, t.adminAuth);
    const press = (await createLineWithMachines(t, 1)).machines[0];
    lines.push(press.line_id);
    let at = Date.parse("2026-01-30T20:00:00Z");
    const made: { id: string; at: number }[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await api.post("/api/v1/downtimes", {
        machine_id: press.id,
        start_datetime: iso(at),
        duration_minutes: 30 + i * 200,
        category: i % 3 === 0 ? "planned" : "unplanned",
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      made.push({ id: res.body.id, at });
      at += (30 + i * 200) * MINUTE + 9 * DAY;
    }
    // Back across midnight into the day before (it started at 00:20).
    const moved = await api.patch(`/api/v1/downtimes/${made[2].id}`, {
      start_datetime: iso(made[2].at - 30 * MINUTE),
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const recategorised = await api.patch(`/api/v1/downtimes/${made[4].id}`, { category: "excluded" });
    assert.equal(recategorised.status, 200, JSON.stringify(recategorised.body));
    assert.equal((await api.delete(`/api/v1/downtimes/${made[5].id}`)).status, 200);
    const started = await api.post("/api/v1/downtimes", { machine_id: press.id, start_datetime: iso(at) });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const ended = await api.post(`/api/v1/downtimes/${started.body.id}/end`, {
      end_datetime: iso(at + 3 * DAY + 7 * MINUTE),
    });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    const open = await api.post("/api/v1/downtimes", { machine_id: press.id, start_datetime: iso(at + 5 * DAY) });
    assert.equal(open.status, 201, JSON.stringify(open.body));
  });
  after(() => t.close());

  function periods(): Period[] {
    const fixed: [string, string][] = [
      ["2026-02-01T00:00:00Z", "2026-05-01T00:00:00Z"], // whole months
      ["2026-02-03T00:00:00Z", "2026-02-04T00:00:00Z"], // one whole day
      ["2026-01-15T13:37:00Z", "2026-06-03T02:11:00Z"], // ragged at both ends
      ["2026-03-10T06:00:00Z", "2026-03-10T18:00:00Z"], // no whole day: the rows alone
      ["2026-06-20T00:00:00Z", "2026-07-20T00:00:00Z"], // past the history: ongoing ones run to the end
      ["2025-11-01T00:00:00Z", "2026-08-01T00:00:00Z"], // all of it
    ];
    const generated: [string, string][] = [];
    const lengths = [2 * 60, 20 * 60, 2 * 1440, 20 * 1440, 150 * 1440];
    for (let i = 0; i < 25; i++) {
      const from = HISTORY_FROM - 10 * DAY + Math.floor(rand() * 200 * 1440) * MINUTE;
      const minutes = lengths[i % lengths.length] + Math.floor(rand() * 1440);
      generated.push([iso(from), iso(from + minutes * MINUTE)]);
    }
    return [...fixed, ...generated].map(([from, to]) => ({ from: iso(Date.parse(from)), to: iso(Date.parse(to)) }));
  }

  test("KPI totals from the aggregates equal those from the rows, for the plant and every line", async () => {
    const repo = analyticsRepo(t.runtime.db);
    const scopes: [string, Scope][] = [
      ["plant", {}],
      ...lines.map((id, i): [string, Scope] => [`line ${i + 1}`, { lineId: id }]),
    ];
    let compared = 0;
    for (const period of periods()) {
      for (const [name, scope] of scopes) {
        const [fast, reference] = await Promise.all([repo.totals(scope, period), repo.totalsFromRows(scope, period)]);
        assertSameTotals(fast, reference, `${name} ${period.from} – ${period.to}`);
        if (reference.length > 0) compared++;
      }
    }
    // The comparison must have had something to compare.
    assert.ok(compared > 60, `only ${compared} non-empty comparisons`);
  });

  test("the totals the triggers kept equal a rebuild from the rows", async () => {
    const kysely = t.runtime.db.kysely;
    const snapshot = async () =>
      Promise.all(
        (["downtime_day_totals", "downtime_month_totals"] as const).map(async (table) =>
          (
            await kysely
              .selectFrom(table)
              .selectAll()
              .where("count", "!=", 0)
              .orderBy("bucket")
              .orderBy("line_id")
              .orderBy("category")
              .orderBy("reason_key")
              .execute()
          ).map((r) => ({ ...r, minutes: Math.round(Number(r.minutes) * 1e6) / 1e6, count: Number(r.count) })),
        ),
      );
    // The plant's day totals (migration 0013): the same, summed over the lines.
    const plantSnapshot = async () =>
      (
        await kysely
          .selectFrom("downtime_plant_day_totals")
          .selectAll()
          .where("count", "!=", 0)
          .orderBy("bucket")
          .orderBy("category")
          .orderBy("reason_key")
          .execute()
      ).map((r) => ({ ...r, minutes: Math.round(Number(r.minutes) * 1e6) / 1e6, count: Number(r.count) }));
    const kept = await snapshot();
    const keptPlant = await plantSnapshot();
    assert.ok(kept[0].length > 100 && kept[1].length > 10, "the history fills both tables");
    assert.ok(keptPlant.length > 50 && keptPlant.length < kept[0].length, "plant days are fewer than line days");
    await backfillDowntimeTotals(kysely, t.runtime.db.dialect);
    await backfillPlantDayTotals(kysely, t.runtime.db.dialect);
    assert.deepEqual(await snapshot(), kept);
    assert.deepEqual(await plantSnapshot(), keptPlant);
  });

  test("KPIs over HTTP for the plant use the same totals as the rows", async () => {
    const api = restClient(t.app, t.adminAuth);
    const res = await api.get("/api/v1/analytics/kpis?from=2026-01-15T13:37:00Z&to=2026-06-03T02:11:00Z");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const rows = await analyticsRepo(t.runtime.db).totalsFromRows(
      {},
      {
        from: "2026-01-15T13:37:00.000Z",
        to: "2026-06-03T02:11:00.000Z",
      },
    );
    const sum = (category: string) => rows.filter((r) => r.category === category).reduce((s, r) => s + r.minutes, 0);
    assert.equal(res.body.planned_minutes, Math.round(sum("planned") * 100) / 100);
    assert.equal(res.body.unplanned_minutes, Math.round(sum("unplanned") * 100) / 100);
    assert.equal(res.body.excluded_minutes, Math.round(sum("excluded") * 100) / 100);
  });
});
