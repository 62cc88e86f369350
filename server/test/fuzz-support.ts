import fc from "fast-check";
import { sql } from "kysely";
import { liveTables } from "../src/db/catalogue.ts";
import type { Runtime } from "../src/runtime.ts";

/**
 * Pieces of the fuzz suite (server/test/fuzz.test.ts): arbitraries derived from the OpenAPI
 * document's JSON schemas and from the GraphQL schema, and a cheap fingerprint of everything
 * stored, to tell whether a rejected request changed anything.
 */

// --- run settings ----------------------------------------------------------------------------

/**
 * `npm test` runs a fixed-seed corpus: 12 runs per operation on SQLite, 8 on PostgreSQL (where the
 * fingerprint query, twice per request, costs most), to stay under a minute per backend on a busy
 * 2-core machine. `npm run fuzz` sets HOM_FUZZ_RUNS (and a random seed unless HOM_FUZZ_SEED is set).
 */
export function fuzzSettings(backend: "sqlite" | "postgres"): { seed: number; runs: number; long: boolean } {
  const runsEnv = process.env.HOM_FUZZ_RUNS;
  const seedEnv = process.env.HOM_FUZZ_SEED;
  const long = runsEnv !== undefined;
  const seed = seedEnv !== undefined ? Number(seedEnv) : long ? Date.now() % 2 ** 31 : 20261122;
  return { seed, runs: long ? Math.max(1, Number(runsEnv)) : backend === "postgres" ? 8 : 12, long };
}

// --- JSON schema → arbitrary -------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON schemas of every shape
export type JsonSchema = Record<string, any>;

/** Strings that have broken parsers, databases and templates before. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "null",
  "undefined",
  "NaN",
  "-1",
  "1e309",
  "0x10",
  "'; drop table users; --",
  '" OR 1=1 --',
  "%",
  "_",
  "\\",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "=cmd|' /C calc'!A0",
  "\u202e\u0645\ud83d\ude00",
  "\ud800",
  "x".repeat(10_000),
  "2026-02-30T00:00:00Z",
  "2026-01-01T00:00:00+14:00",
  "9999-12-31T23:59:59.999Z",
  "0000-01-01T00:00:00Z",
  "2026-01-01",
  "00000000-0000-7000-8000-000000000000",
  "__proto__",
  "constructor",
];

const NASTY_NUMBERS = [
  0,
  -1,
  1,
  0.5,
  -0.0,
  2 ** 31,
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  -(2 ** 63),
  1e300,
  Number.MIN_VALUE,
];

export const nastyString = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: "grapheme", maxLength: 40 }));
export const nastyNumber = fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.integer(), fc.double({ noNaN: true }));

/** Any JSON value, for "wrong type" mutations. */
export const anyJson = fc.oneof(
  { depthSize: "small" },
  fc.constant(null),
  fc.boolean(),
  nastyNumber,
  nastyString,
  fc.array(fc.oneof(nastyString, nastyNumber), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(nastyString, nastyNumber), { maxKeys: 3 }),
);

const isoDate = fc
  .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString());

/**
 * Values shaped by a JSON schema, now and then broken on purpose: a wrong type, a nasty string,
 * a huge or negative number. `pool` supplies real ids so that requests reach the rules behind
 * the lookups, not only the 404s.
 */
export function fromSchema(schema: JsonSchema | undefined, pool: string[], depth = 0): fc.Arbitrary<unknown> {
  const valid = validish(schema ?? {}, pool, depth, false);
  return fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: anyJson, weight: 1 });
}

/** Values that satisfy the schema as far as it tells (formats, ranges, enums, patterns): they reach the rules. */
export function validFromSchema(schema: JsonSchema | undefined, pool: string[]): fc.Arbitrary<unknown> {
  return validish(schema ?? {}, pool, 0, true);
}

function validish(schema: JsonSchema, pool: string[], depth: number, strict: boolean): fc.Arbitrary<unknown> {
  const again = (s: JsonSchema, d = depth + 1) => (strict ? validish(s, pool, d, true) : fromSchema(s, pool, d));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) {
    return strict ? fc.constantFrom(...schema.enum) : fc.oneof(fc.constantFrom(...schema.enum), nastyString);
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) {
    return fc.oneof(...variants.map((v: JsonSchema) => validish(v, pool, depth + 1, strict)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return validish(schema.allOf[0], pool, depth + 1, strict);
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => validish({ ...schema, type }, pool, depth, strict)));
  switch (types[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return strict ? fc.boolean() : fc.oneof(fc.boolean(), fc.constantFrom("true", "false", 1, 0));
    case "integer":
    case "number": {
      const min = typeof schema.minimum === "number" ? schema.minimum : -1e6;
      const max = typeof schema.maximum === "number" ? schema.maximum : 1e9;
      const inRange =
        types[0] === "integer"
          ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })
          : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      if (strict) return inRange;
      return fc.oneof({ arbitrary: inRange, weight: 4 }, fc.constantFrom(min - 1, max + 1, ...NASTY_NUMBERS));
    }
    case "string":
      return stringFor(schema, pool, strict);
    case "array": {
      if (depth > 4) return fc.constant([]);
      const items = again(schema.items ?? {});
      const minLength = strict && typeof schema.minItems === "number" ? Math.min(schema.minItems, 3) : 0;
      const maxLength = Math.max(
        minLength,
        Math.min(typeof schema.maxItems === "number" ? schema.maxItems + (strict ? 0 : 1) : 4, 4),
      );
      return fc.array(items, { minLength, maxLength });
    }
    case "object":
      return objectFor(schema, pool, depth, strict);
    default:
      if (schema.properties) return objectFor(schema, pool, depth, strict);
      return strict ? fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()) : anyJson;
  }
}

function stringFor(schema: JsonSchema, pool: string[], strict: boolean): fc.Arbitrary<unknown> {
  const fitting: fc.Arbitrary<string>[] = [];
  if (schema.format === "date-time") fitting.push(isoDate);
  else if (schema.format === "date") fitting.push(isoDate.map((s) => s.slice(0, 10)));
  else if (typeof schema.pattern === "string" && patternArbitrary(schema.pattern))
    fitting.push(patternArbitrary(schema.pattern)!);
  else {
    const min = typeof schema.minLength === "number" ? schema.minLength : 0;
    const max = Math.max(min, Math.min(typeof schema.maxLength === "number" ? schema.maxLength : 30, 60));
    fitting.push(fc.string({ minLength: Math.max(min, strict ? 1 : 0), maxLength: max }));
  }
  if (pool.length > 0) fitting.push(fc.constantFrom(...pool));
  if (strict) return fc.oneof(...fitting);
  return fc.oneof({ arbitrary: fc.oneof(...fitting), weight: 4 }, nastyString);
}

function patternArbitrary(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern)).filter((s) => s.length <= 60);
  } catch {
    return undefined;
  }
}

function objectFor(schema: JsonSchema, pool: string[], depth: number, strict: boolean): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant({});
  const properties: Record<string, JsonSchema> = schema.properties ?? {};
  const required = new Set<string>(schema.required ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    record[name] = strict ? validish(property, pool, depth + 1, true) : fromSchema(property, pool, depth + 1);
  }
  const names = Object.keys(record);
  if (names.length === 0) return fc.constant({});
  const shaped = fc.record(record, { requiredKeys: names.filter((n) => required.has(n)) });
  if (strict) return shaped;
  const optionalShaped = fc.record(record, { requiredKeys: [] });
  // Extra fields, sometimes: strict schemas must refuse them with a detail.
  return fc
    .tuple(fc.oneof(shaped, optionalShaped), fc.option(fc.dictionary(nastyString, anyJson, { maxKeys: 2 })))
    .map(([value, extra]) => (extra ? { ...extra, ...(value as object) } : value));
}

// --- fingerprint of stored data ----------------------------------------------------------------

/** Tables whose rows change without a write request: not part of the fingerprint. */
const VOLATILE_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);

export interface Fingerprinter {
  (): Promise<string>;
}

/**
 * Row count and newest `updated_at` of every table, plus the audit head, in one query. Every
 * write is audited and most touch `updated_at`, so a rejected request that changed anything
 * shows up here.
 */
export async function fingerprinter(runtime: Runtime): Promise<Fingerprinter> {
  const db = runtime.db.kysely;
  const tables = (await liveTables(runtime.db, { withMigrationTables: true })).map((t) => ({
    table: t.name,
    updated: t.columns.includes("updated_at"),
  }));
  const parts = tables
    .filter((t) => !VOLATILE_TABLES.has(t.table))
    .map(
      (t) =>
        `select '${t.table}' as t, count(*) as n, ${t.updated ? "cast(max(updated_at) as text)" : "null"} as u from "${t.table}"`,
    );
  const query = sql.raw<{ t: string; n: number | string; u: string | null }>(parts.join(" union all "));
  return async () => {
    await runtime.background.planWatcher.idle();
    const rows = (await query.execute(db)).rows;
    return rows
      .map((r) => `${r.t}:${r.n}:${r.u ?? ""}`)
      .sort()
      .join("|");
  };
}

/** The tables whose part of two fingerprints differs (for the failure message). */
export function fingerprintDiff(before: string, after: string): string {
  const a = new Set(before.split("|"));
  const b = after.split("|").filter((x) => !a.has(x));
  return b.join(", ");
}
