import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { csvLine, parseCsv } from "../src/http/csv.ts";
import {
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  restClient,
  type TestApp,
  rowCount,
} from "./helpers.ts";

describe("CSV", () => {
  test("quotes, doubled quotes, commas and line breaks survive a round trip", () => {
    const cells = ['Mould "A", left', "two\nlines", "", "plain", 12];
    assert.deepEqual(parseCsv(csvLine(cells)), [['Mould "A", left', "two\nlines", "", "plain", "12"]]);
    assert.deepEqual(parseCsv("\ufeffa,b\r\n1,2\n\n"), [
      ["a", "b"],
      ["1", "2"],
    ]);
    assert.throws(() => parseCsv('a,"b'), /unterminated/);
  });

  test("cells a spreadsheet would run as formulas are defused", () => {
    assert.equal(csvLine(['=HYPERLINK("x")', "+1", "@SUM", "-2"]), `"'=HYPERLINK(""x"")",'+1,'@SUM,'-2\r\n`);
    assert.equal(csvLine([-2]), "-2\r\n", "numbers stay numbers");
  });
});

forEachBackend("tools CSV", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
  });
  after(() => t.close());

  const importCsv = (csv: string, query = "", auth = t.adminAuth) =>
    t.app.inject({
      method: "POST",
      url: `/api/v1/tools/import${query}`,
      headers: { ...auth, "content-type": "text/csv" },
      payload: csv,
    });
  const toolCount = () => rowCount(t.runtime, "tools");

  test("import creates and updates by asset number; a dry run stores nothing; export gives it back", async () => {
    const csv = [
      "asset_number,name,part_number,cavity_count,rated_life_shots,lifetime_shots,location",
      'CSV-1,"Cap 28mm, 8-fold",P-28,8,2000000,150000,Rack 1',
      "CSV-2,Closure,P-30,4,,,",
    ].join("\r\n");
    const dry = await importCsv(csv, "?dry_run=true");
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().created, dry.json().updated], [2, 0]);
    assert.equal(await toolCount(), 0);

    const res = await importCsv(csv);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().created, res.json().updated, res.json().unchanged], [2, 0, 0]);
    const list = (await admin.get("/api/v1/tools?q=CSV-")).body.items;
    assert.deepEqual(
      list.map((x: { asset_number: string; name: string; lifetime_shots: number }) => [
        x.asset_number,
        x.name,
        x.lifetime_shots,
      ]),
      [
        ["CSV-1", "Cap 28mm, 8-fold", 150000],
        ["CSV-2", "Closure", 0],
      ],
    );

    const again = await importCsv(
      ["asset_number,name,location", "csv-1,Cap 28mm 8-fold,", "CSV-2,Closure,"].join("\n"),
    );
    assert.deepEqual([again.json().created, again.json().updated, again.json().unchanged], [0, 1, 1]);
    const updated = (await admin.get("/api/v1/tools?q=CSV-1")).body.items[0];
    assert.equal(updated.location, null, "an empty cell clears an optional field");

    const { machines } = await createLineWithMachines(t, 1);
    await admin.post(`/api/v1/tools/${updated.id}/mount`, { machine_id: machines[0].id });
    const exported = await t.app.inject({
      method: "GET",
      url: "/api/v1/tools/export.csv?q=CSV-",
      headers: t.adminAuth,
    });
    assert.equal(exported.statusCode, 200);
    assert.match(exported.headers["content-type"] as string, /^text\/csv/);
    const rows = parseCsv(exported.body);
    assert.deepEqual(rows[0].slice(0, 3), ["asset_number", "name", "part_number"]);
    assert.equal(rows.length, 3);
    assert.equal(rows[1][rows[0].indexOf("machine")], machines[0].code);

    const roundTrip = await importCsv(exported.body);
    assert.equal(roundTrip.statusCode, 200, roundTrip.body);
    assert.equal(roundTrip.json().unchanged, 2, "re-importing an export changes nothing");
  });

  test("one bad row refuses the whole file with row numbers; nothing is stored", async () => {
    const before = await toolCount();
    const res = await importCsv(
      [
        "asset_number,name,cavity_count",
        "BAD-1,Good row,2",
        "BAD-2,,2",
        "BAD-3,Zero cavities,0",
        "BAD-4,Words,two",
      ].join("\n"),
    );
    assert.equal(res.statusCode, 422, res.body);
    const fields = res.json().error.details.map((d: { field: string }) => d.field);
    assert.ok(fields.includes("row 3.name"), fields.join());
    assert.ok(fields.includes("row 4.cavity_count"), fields.join());
    assert.ok(fields.includes("row 5.cavity_count"), fields.join());
    assert.equal(await toolCount(), before);

    for (const [csv, field] of [
      ["asset_number,name,colour\nX-1,x,red", "header.colour"],
      ["name,cavity_count\nx,1", "header.asset_number"],
      ["asset_number,name,cavity_count\nD-1,a,1\nd-1,b,1", "row 3.asset_number"],
      ['asset_number,name\n"X-1,x', "(body)"],
      ["", "(body)"],
    ]) {
      const bad = await importCsv(csv);
      assert.equal(bad.statusCode, 422, csv);
      assert.equal(bad.json().error.details[0].field, field, JSON.stringify(bad.json()));
    }
    const existing = (await admin.post("/api/v1/tools", { asset_number: "RO-1", name: "x", cavity_count: 1 })).body;
    const readOnly = await importCsv(`asset_number,lifetime_shots\n${existing.asset_number},999`);
    assert.equal(readOnly.statusCode, 422);
    assert.equal(readOnly.json().error.details[0].field, "row 2.lifetime_shots");
    assert.equal(await toolCount(), before + 1);
  });

  test("content types and permissions", async () => {
    const json = await t.app.inject({
      method: "POST",
      url: "/api/v1/tools/import",
      headers: t.adminAuth,
      payload: { a: 1 },
    });
    assert.equal(json.statusCode, 422);
    const csvElsewhere = await t.app.inject({
      method: "POST",
      url: "/api/v1/tools",
      headers: { ...t.adminAuth, "content-type": "text/csv" },
      payload: "asset_number\nX",
    });
    assert.equal(csvElsewhere.statusCode, 415);
    const technician = (await t.userWithRole("technician")).auth;
    assert.equal((await importCsv("asset_number,name,cavity_count\nT-1,x,1", "", technician)).statusCode, 403);
    const engineer = (await t.userWithRole("engineer")).auth;
    const exportRes = await t.app.inject({ method: "GET", url: "/api/v1/tools/export.csv", headers: engineer });
    assert.equal(exportRes.statusCode, 403, "exports are for managers");
    assert.equal(exportRes.json().error.code, "FORBIDDEN");
  });
});
