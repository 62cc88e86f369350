import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import ExcelJS from "exceljs";
import { parseCsv } from "../src/http/csv.ts";
import { newId } from "../src/ids.ts";
import { createLineWithMachines, createTestApp, forEachBackend, restClient, type TestApp } from "./helpers.ts";

/**
 * Exports (issue 9, docs/analytics.md "Exports"): analytics tables and the raw records behind
 * them as CSV and XLSX, formula-safe, for managers; and a large export streams with flat memory.
 */

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

forEachBackend("Analytics exports", (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof restClient>;
  let manager: Awaited<ReturnType<TestApp["userWithRole"]>>;
  let machine: { id: string; line_id: string; code: string };
  const notes = ['=HYPERLINK("http://evil.example","x")', "+1+1", "plain, with a comma", 'a "quoted" word'];

  before(async () => {
    t = await createTestApp(backend);
    api = restClient(t.app, t.adminAuth);
    manager = await t.userWithRole("manager");
    machine = (await createLineWithMachines(t, 1)).machines[0];
    for (const [i, note] of notes.entries()) {
      const res = await api.post("/api/v1/downtimes", {
        machine_id: machine.id,
        start_datetime: `2026-03-0${i + 2}T22:00:00Z`,
        duration_minutes: 180,
        category: "unplanned",
        note,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(() => t.close());

  const get = (url: string, headers = manager.auth) => t.app.inject({ method: "GET", url, headers });

  test("downtimes as CSV: every record of the period, formula-looking cells defused", async () => {
    const res = await get(`/api/v1/downtimes/export.csv?from=2026-03-01&to=2026-04-01&line_id=${machine.line_id}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["content-type"]), /^text\/csv/);
    assert.match(String(res.headers["content-disposition"]), /downtimes\.csv/);
    const rows = parseCsv(res.body);
    assert.deepEqual(rows[0].slice(0, 5), ["id", "machine", "line", "start_datetime", "end_datetime"]);
    assert.equal(rows.length, 1 + notes.length);
    const noteAt = rows[0].indexOf("note");
    assert.deepEqual(
      rows.slice(1).map((r) => r[noteAt]),
      ["'" + notes[0], "'" + notes[1], notes[2], notes[3]],
    );
    assert.ok(rows.slice(1).every((r) => r[1] === machine.code && r[5] === "180"));
    // The same under the analytics path; a narrower period has fewer.
    const narrow = await get(`/api/v1/analytics/records/downtimes/export.csv?from=2026-03-04&to=2026-03-05`);
    assert.equal(parseCsv(narrow.body).length, 1 + 2, "the one reaching in from the 3rd and the one of the 4th");
  });

  test("downtimes as XLSX: typed cells, formulas never", async () => {
    const res = await get(`/api/v1/downtimes/export.xlsx?from=2026-03-01&to=2026-04-01`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    assert.equal(sheet.rowCount, 1 + notes.length);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const noteCol = header.indexOf("note") + 1;
    const startCol = header.indexOf("start_datetime") + 1;
    const cell = sheet.getRow(2).getCell(noteCol);
    assert.equal(cell.type, ExcelJS.ValueType.String);
    assert.equal(cell.value, notes[0]);
    const start = sheet.getRow(2).getCell(startCol).value;
    assert.ok(start instanceof Date, `start is a date cell: ${JSON.stringify(start)}`);
    assert.equal(start.toISOString(), "2026-03-02T22:00:00.000Z");
  });

  test("analytics tables export what the JSON says", async () => {
    const q = `from=2026-03-01&to=2026-03-08&machine_id=${machine.id}`;
    const json = await get(`/api/v1/analytics/series?${q}&bucket=day`);
    const csv = await get(`/api/v1/analytics/series/export.csv?${q}&bucket=day`);
    assert.equal(csv.statusCode, 200, csv.body);
    const rows = parseCsv(csv.body);
    const items = json.json().items as { bucket: string; unplanned_minutes: number; availability: number }[];
    assert.equal(rows.length, 1 + items.length);
    const unplanned = rows[0].indexOf("unplanned_minutes");
    assert.deepEqual(
      rows.slice(1).map((r) => [r[0], Number(r[unplanned])]),
      items.map((i) => [i.bucket, i.unplanned_minutes]),
    );
    const pareto = await get(`/api/v1/analytics/downtime-pareto/export.xlsx?${q}`);
    assert.equal(pareto.statusCode, 200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(pareto.rawPayload as unknown as ArrayBuffer);
    assert.equal(workbook.worksheets[0].getRow(2).getCell(4).value, 4 * 180);
    for (const name of [
      "kpis",
      "failure-trends",
      "tool-utilisation",
      "top-tools",
      "maintenance-compliance",
      "actions-ageing",
    ]) {
      const res = await get(`/api/v1/analytics/${name}/export.csv${name === "actions-ageing" ? "" : `?${q}`}`);
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      assert.ok(parseCsv(res.body).length >= 1, name);
    }
  });

  test("exports are for managers; bad filters are JSON 422s, not broken downloads", async () => {
    const engineer = await t.userWithRole("engineer");
    const refused = await get("/api/v1/downtimes/export.csv", engineer.auth);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.details[0].code, "exports:read");
    assert.equal((await get("/api/v1/analytics/series/export.xlsx", engineer.auth)).statusCode, 403);
    const bad = await get("/api/v1/actions/export.csv?tool_id=missing");
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().error.details[0].field, "tool_id");
    assert.equal((await get("/api/v1/shots/export.xlsx?from=nonsense")).statusCode, 422);
    assert.equal((await get("/api/v1/analytics/records/photos/export.csv")).statusCode, 404);
  });

  test("200,000 shot entries stream out with flat memory, as CSV and as XLSX", async () => {
    const k = t.runtime.db.kysely;
    const tool = await api.post("/api/v1/tools", { asset_number: "BIG-1", name: "Big", cavity_count: 1 });
    const total = 200_000;
    const start = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < total; i += 1000) {
      await k
        .insertInto("shot_entries")
        .values(
          Array.from({ length: 1000 }, (_, j) => ({
            id: newId(start + (i + j) * 1000),
            tool_id: tool.body.id,
            machine_id: null,
            delta: 1 + ((i + j) % 7),
            total: null,
            counter_reset: false,
            source: "import",
            recorded_at: new Date(start + (i + j) * 10_000).toISOString(),
            external_id: null,
            created_by: null,
            request_id: null,
            created_at: new Date(start).toISOString(),
          })),
        )
        .execute();
    }
    const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const res = await fetch(
      `${address}/api/v1/shots/export.csv?from=2025-12-01&to=2026-02-01&tool_id=${tool.body.id}`,
      {
        headers: manager.auth,
      },
    );
    assert.equal(res.status, 200);
    let lines = 0;
    let bytes = 0;
    let chunks = 0;
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) {
      const text = decoder.decode(chunk, { stream: true });
      bytes += (chunk as Uint8Array).length;
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
      if (++chunks % 20 === 0) {
        // Live memory, not garbage waiting for a lazy collector.
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    assert.ok(chunks > 100, `${chunks} chunks: the body came in pieces`);
    assert.equal(lines, 1 + total);
    const deltaMb = (peak - baseline) / 1e6;
    // The whole file is ~20 MB and its rows as objects several times that: a bounded delta
    // means pages come and go, never the whole result at once.
    assert.ok(deltaMb < 15, `heap grew by ${deltaMb.toFixed(1)} MB during a ${(bytes / 1e6).toFixed(1)} MB export`);

    // The first six days of them (51,840 rows: exceljs writes ~10 times slower than the CSV
    // writer) as XLSX: the streaming writer, waiting while the client has not read.
    gc();
    const xlsxBaseline = process.memoryUsage().heapUsed;
    let xlsxPeak = xlsxBaseline;
    const xlsx = await fetch(
      `${address}/api/v1/shots/export.xlsx?from=2026-01-01&to=2026-01-07&tool_id=${tool.body.id}`,
      { headers: manager.auth },
    );
    assert.equal(xlsx.status, 200);
    let xlsxBytes = 0;
    let xlsxChunks = 0;
    let head: Uint8Array | null = null;
    for await (const chunk of xlsx.body!) {
      head ??= chunk as Uint8Array;
      xlsxBytes += (chunk as Uint8Array).length;
      if (++xlsxChunks % 20 === 0) {
        gc();
        xlsxPeak = Math.max(xlsxPeak, process.memoryUsage().heapUsed);
      }
    }
    assert.deepEqual([...head!.subarray(0, 2)], [0x50, 0x4b], "a zip (PK)");
    // 51,840 rows of ten cells compress to over a megabyte; an empty sheet would be a few KB.
    assert.ok(xlsxBytes > 1e6, `${xlsxBytes} bytes`);
    const xlsxDeltaMb = (xlsxPeak - xlsxBaseline) / 1e6;
    assert.ok(
      xlsxDeltaMb < 15,
      `heap grew by ${xlsxDeltaMb.toFixed(1)} MB during a ${(xlsxBytes / 1e6).toFixed(1)} MB XLSX export`,
    );
  });
});
