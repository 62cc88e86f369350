import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { isoFromTimestamptz } from "../src/db/index.ts";
import { BACKENDS, createTestApp, type TestApp } from "./helpers.ts";

/**
 * PostgreSQL timestamps reach the code as ISO strings, the shape SQLite stores (db/index.ts). The
 * fast path for PostgreSQL's own text form must give exactly what `new Date(v).toISOString()`
 * gave, for every precision PostgreSQL prints and for whatever it does not handle itself.
 */

const asDate = (v: string) => new Date(v).toISOString();

describe("timestamptz text to ISO", () => {
  test("every fraction length, and forms left to Date, as Date reads them", () => {
    const forms = [
      "2026-03-01 08:15:00+00",
      "2026-03-01 08:15:00.5+00",
      "2026-03-01 08:15:00.25+00",
      "2026-03-01 08:15:00.125+00",
      "2026-03-01 08:15:00.1259+00",
      "2026-03-01 08:15:00.999999+00",
      "1970-01-01 00:00:00+00",
      "2026-03-01 09:15:00+01",
      "2026-03-01 03:15:00.5-05:30",
    ];
    for (const v of forms) assert.equal(isoFromTimestamptz(v), asDate(v), v);
  });

  test("random instants with milli- and microseconds", () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (let i = 0; i < 20_000; i++) {
      const iso = new Date(next() * 2000).toISOString();
      const micros = i % 2 ? String(next() % 1000).padStart(3, "0") : "";
      const fraction = `${iso.slice(20, 23)}${micros}`.replace(/0+$/, "");
      const v = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ""}+00`;
      assert.equal(isoFromTimestamptz(v), asDate(v), v);
    }
  });
});

if (BACKENDS.includes("postgres")) {
  describe("timestamptz through the PostgreSQL pool", () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp("postgres");
    });
    after(async () => t.close());

    test("values come back as the ISO strings they were", async () => {
      const values = [
        "2026-03-01T08:15:00.000Z",
        "2026-03-01T08:15:00.100Z",
        "2026-03-01T08:15:00.120Z",
        "2026-03-01T08:15:00.123Z",
        "1999-12-31T23:59:59.999Z",
      ];
      for (const v of values) {
        const { rows } = await sql<{ at: string }>`select ${v}::timestamptz as at`.execute(t.runtime.db.kysely);
        assert.equal(rows[0].at, v);
      }
      const { rows } = await sql<{ at: string }>`select '2026-03-01 08:15:00.123456+00'::timestamptz as at`.execute(
        t.runtime.db.kysely,
      );
      assert.equal(rows[0].at, "2026-03-01T08:15:00.123Z");
    });
  });
}
