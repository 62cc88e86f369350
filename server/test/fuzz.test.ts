import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import {
  anyJson,
  fingerprintDiff,
  fingerprinter,
  fromSchema,
  fuzzSettings,
  nastyString,
  type Fingerprinter,
  type JsonSchema,
  validFromSchema,
} from "./fuzz-support.ts";
import { createLineWithMachines, createTestApp, forEachBackend, restClient, type TestApp } from "./helpers.ts";

/**
 * Property-based fuzzing of every operation (issue 11). Operations come from the app itself: the
 * OpenAPI document (/api/openapi.json) for REST, introspection for GraphQL, so a new endpoint is
 * fuzzed without anyone listing it. Each request gets generated path params, query strings,
 * headers and bodies (shaped by the route's schema, then broken: wrong types, nasty strings,
 * extra fields, malformed JSON, wrong content types) from an actor drawn among anonymous, a
 * garbage token and the built-in roles. Invariants:
 * - never a 5xx, never an `INTERNAL_SERVER_ERROR` GraphQL error, never a crash;
 * - an error is in the one error shape (`error.code`, `error.message`; GraphQL `extensions.code`);
 * - a rejected request leaves the stored data as it was (fingerprint: row count and newest
 *   `updated_at` of every table, audit head included), except where a refusal is itself recorded
 *   by design (failed logins, failed signatures, refresh-token reuse revoking its family).
 *
 * `npm test` runs a fixed seed with a few runs per operation; `npm run fuzz` runs longer
 * (HOM_FUZZ_RUNS, HOM_FUZZ_SEED; a failure prints the seed and path that replay it).
 */

const MISSING_ID = "00000000-0000-7000-8000-000000000000";

/** Refusals that are recorded on purpose, so the stored data may change although the answer is 4xx. */
const RECORDED_REFUSALS = [
  /^POST \/api\/v1\/auth\/token$/,
  /^POST \/api\/v1\/auth\/refresh$/,
  /^POST \/api\/v1\/maintenance-logs\/\{id\}\/sign$/,
  /^POST \/api\/v1\/me\/password$/,
];
const RECORDED_REFUSAL_FIELDS = new Set(["login", "refreshToken", "signMaintenanceLog", "changePassword"]);

/** Not fuzzed: the GraphiQL assets and the OpenAPI UI serve static files only. */
const SKIPPED_PATHS = [/^\/graphiql/, /^\/api\/docs/];

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema: JsonSchema }[];
  body: JsonSchema | undefined;
}

const ROLES = ["viewer", "operator", "technician", "engineer", "manager", "admin"] as const;
type Actor = (typeof ROLES)[number] | "anonymous" | "garbage";

forEachBackend("Fuzzing every operation", (backend) => {
  const settings = fuzzSettings(backend);
  let t: TestApp;
  let fingerprint: Fingerprinter;
  const pool: string[] = [];
  const users = new Map<string, { username: string; password: string }>();
  const auth = new Map<Actor, Record<string, string>>();
  let operations: Operation[] = [];
  const found: string[] = [];

  const relogin = async (role: (typeof ROLES)[number]) => {
    const user = users.get(role)!;
    const tokens = await t.login(user.username, user.password);
    auth.set(role, { authorization: `Bearer ${tokens.access_token}` });
  };
  /** Logout and session operations may end the actors' sessions: sign them in again. */
  const keepSessions = async () => {
    for (const role of ROLES) {
      const me = await t.app.inject({ url: "/api/v1/me", headers: auth.get(role) });
      if (me.statusCode === 401) await relogin(role);
    }
  };

  before(async () => {
    t = await createTestApp(backend, { HOM_LOGIN_IP_MAX_FAILURES: "100000", HOM_BODY_LIMIT_BYTES: "65536" });
    for (const role of ROLES) {
      const u = await t.userWithRole(role, `fuzz-${role}`);
      users.set(role, { username: u.username, password: u.password });
      await relogin(role);
    }
    auth.set("anonymous", {});
    auth.set("garbage", { authorization: "Bearer eyJhbGciOiJub25lIn0.e30." });
    await seedPlant();
    fingerprint = await fingerprinter(t.runtime);
    operations = await restOperations();
  });
  after(async () => {
    if (found.length > 0) console.log(`fuzz [${backend}] findings:\n${found.join("\n")}`);
    await t.close();
  });

  /** A small plant with one of everything, so generated ids reach real records. */
  async function seedPlant() {
    const api = restClient(t.app, t.adminAuth);
    const ok = (what: string, res: { status: number; body: { id?: string } }) => {
      assert.ok(res.status === 201 || res.status === 200, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      if (res.body?.id) pool.push(res.body.id);
      return res.body as { id: string };
    };
    const { line, machines } = await createLineWithMachines(t, 2);
    pool.push(line.id, ...machines.map((m) => m.id));
    const tool = ok(
      "tool",
      await api.post("/api/v1/tools", { asset_number: "FZ-1", name: "Fuzz mould", cavity_count: 4 }),
    );
    ok("mount", await api.post(`/api/v1/tools/${tool.id}/mount`, { machine_id: machines[0].id }));
    await api.post(`/api/v1/tools/${tool.id}/shots`, { count: 100 });
    ok(
      "downtime",
      await api.post("/api/v1/downtimes", {
        machine_id: machines[1].id,
        start_datetime: "2026-01-01T06:00:00Z",
        end_datetime: "2026-01-01T07:00:00Z",
      }),
    );
    ok(
      "repair",
      await api.post("/api/v1/repairs", {
        machine_id: machines[1].id,
        kind: "unscheduled",
        start_datetime: "2026-01-01T06:00:00Z",
        title: "Fuzz repair",
      }),
    );
    const codes = await api.get("/api/v1/failure-codes");
    const code = codes.body.items[0].id as string;
    pool.push(code);
    const report = ok(
      "failure report",
      await api.post("/api/v1/failure-reports", {
        tool_id: tool.id,
        failure_code_id: code,
        severity: "low",
        occurred_at: "2026-01-02T06:00:00Z",
        description: "flash on cavity 2",
      }),
    );
    ok(
      "action",
      await api.post("/api/v1/actions", { title: "Fuzz action", kind: "corrective", failure_report_id: report.id }),
    );
    ok(
      "plan",
      await api.post(`/api/v1/tools/${tool.id}/maintenance-plans`, {
        name: "Clean",
        activity: "cleaning",
        interval_shots: 1000,
      }),
    );
    ok("log", await api.post("/api/v1/maintenance-logs", { tool_id: tool.id, kind: "cleaning" }));
    const templates = await api.get("/api/v1/checklist-templates");
    pool.push(templates.body.items[0].id);
    const reasons = await api.get("/api/v1/downtime-reasons");
    pool.push(reasons.body.items[0].id);
    ok(
      "victim user",
      await api.post("/api/v1/users", { username: "victim", password: "victim-password-1", role: "viewer" }),
    );
    pool.push(MISSING_ID);
  }

  async function restOperations(): Promise<Operation[]> {
    const spec = (await t.app.inject({ url: "/api/openapi.json" })).json();
    const ops: Operation[] = [];
    for (const [path, item] of Object.entries<Record<string, JsonSchema>>(spec.paths)) {
      if (SKIPPED_PATHS.some((p) => p.test(path))) continue;
      for (const [method, op] of Object.entries(item)) {
        ops.push({
          method: method.toUpperCase(),
          path,
          params: (op.parameters ?? []).map((p: JsonSchema) => ({ name: p.name, in: p.in, schema: p.schema ?? {} })),
          body: op.requestBody?.content?.["application/json"]?.schema,
        });
      }
    }
    return ops;
  }

  const actor = fc.constantFrom<Actor>("anonymous", "garbage", ...ROLES, "admin", "admin", "technician");

  /** One generated REST request for an operation. */
  function requestFor(op: Operation) {
    const pathParams = op.params.filter((p) => p.in === "path");
    const queryParams = op.params.filter((p) => p.in === "query");
    const pathValue = fc.oneof(
      { arbitrary: fc.constantFrom(...pool), weight: 5 },
      nastyString.filter((s) => s.length > 0),
      fc.constantFrom("tool", "machine", "audit", "%2e%2e", "%00", "a%2Fb"),
    );
    const queryValue = (schema: JsonSchema) =>
      fc.oneof(
        fromSchema(schema, pool).map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
        fc.array(fc.constantFrom(...pool, "1", "-1", "x"), { minLength: 2, maxLength: 3 }), // repeated keys
      );
    const query = fc.record(
      Object.fromEntries([
        ...queryParams.map((p) => [p.name, queryValue(p.schema)]),
        ["zz_unknown", fc.string({ maxLength: 5 })],
      ]),
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      {
        arbitrary: validFromSchema(op.body ?? { type: "object" }, pool).map((v) => ({ kind: "json" as const, v })),
        weight: 6,
      },
      {
        arbitrary: fromSchema(op.body ?? { type: "object" }, pool).map((v) => ({ kind: "json" as const, v })),
        weight: 6,
      },
      anyJson.map((v) => ({ kind: "json" as const, v })),
      fc.constantFrom("{", '{"a":', "[1,2", "\u0000", "{}}", '{"__proto__":{"role":"admin"}}').map((v) => ({
        kind: "raw" as const,
        v,
      })),
      fc.constant({ kind: "none" as const, v: undefined }),
    );
    const contentType = fc.constantFrom(
      "application/json",
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "",
    );
    const extraHeaders = fc.record(
      {
        accept: fc.constantFrom("*/*", "text/csv", "application/xml", "\u00ff"),
        "x-request-id": fc.oneof(fc.string({ maxLength: 100 }), fc.constant("x".repeat(5000))),
        "accept-language": fc.constantFrom("pl", "ru", "xx", ""),
        "if-none-match": fc.string({ maxLength: 20 }),
      },
      { requiredKeys: [] },
    );
    return fc.record({
      actor,
      path: fc.tuple(...pathParams.map(() => pathValue)),
      query,
      body,
      contentType,
      extraHeaders,
    });
  }

  function urlOf(op: Operation, values: string[], query: Record<string, unknown>): string {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent((values[i++] ?? "").toWellFormed()));
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      for (const one of [v].flat()) search.append(k, String(one));
    }
    const qs = search.toString();
    return qs ? `${path}?${qs}` : path;
  }

  /** The invariants every answer must hold; returns problems. */
  function checkAnswer(name: string, res: LightMyRequestResponse): string[] {
    const problems: string[] = [];
    if (res.statusCode >= 500) problems.push(`${name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    const type = String(res.headers["content-type"] ?? "");
    if (res.statusCode >= 400 && type.includes("json") && !name.includes("/graphql")) {
      const body = safeJson(res.body) as { error?: { code?: unknown; message?: unknown } } | undefined;
      if (typeof body?.error?.code !== "string" || typeof body.error.message !== "string") {
        problems.push(`${name}: ${res.statusCode} not in the error shape: ${res.body.slice(0, 200)}`);
      }
    }
    return problems;
  }

  test("REST: every operation from the OpenAPI document holds the invariants", { timeout: 600_000 }, async () => {
    assert.ok(operations.length > 100, `only ${operations.length} operations in the OpenAPI document`);
    const problems: string[] = [];
    for (const [index, op] of operations.entries()) {
      const name = `${op.method} ${op.path}`;
      const recordedRefusal = RECORDED_REFUSALS.some((r) => r.test(name));
      const property = fc.asyncProperty(requestFor(op), async (req) => {
        const url = urlOf(op, req.path, req.query);
        const headers: Record<string, string> = { ...auth.get(req.actor), ...req.extraHeaders };
        let payload: string | undefined;
        if (op.method !== "GET" && op.method !== "DELETE" && req.body.kind !== "none") {
          payload = req.body.kind === "raw" ? req.body.v : JSON.stringify(req.body.v ?? null);
          if (req.contentType) headers["content-type"] = req.contentType;
        }
        const before = await fingerprint();
        const res = await t.app.inject({ method: op.method as "GET", url, headers, payload });
        const problemsNow = checkAnswer(`${name} (${op.method} ${url.slice(0, 200)} as ${req.actor})`, res);
        if (res.statusCode >= 400 && !recordedRefusal) {
          const afterPrint = await fingerprint();
          if (afterPrint !== before) {
            problemsNow.push(
              `${name}: rejected with ${res.statusCode} but stored data changed (${fingerprintDiff(before, afterPrint)})`,
            );
          }
        }
        if (/auth|sessions|password|users/.test(op.path)) await keepSessions();
        if (problemsNow.length > 0) {
          found.push(...problemsNow);
          throw new Error(problemsNow.join("\n"));
        }
      });
      const result = await fc.check(property, {
        seed: settings.seed + index,
        numRuns: settings.runs,
        endOnFailure: !settings.long,
      });
      if (result.failed) {
        problems.push(
          `${name}: ${String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance).slice(0, 600)}\n  replay: HOM_FUZZ_SEED=${settings.seed} (operation seed ${settings.seed + index}, path ${result.counterexamplePath}) counterexample ${JSON.stringify(result.counterexample).slice(0, 400)}`,
        );
      }
    }
    assert.deepEqual(problems, [], `seed ${settings.seed}:\n${problems.join("\n")}`);
  });

  test("GraphQL: every query and mutation from introspection holds the invariants", { timeout: 600_000 }, async () => {
    const schema = await introspect(t, auth.get("admin")!);
    const fields = [
      ...schema.queryType.fields.map((f) => ({ ...f, op: "query" as const })),
      ...schema.mutationType.fields.map((f) => ({ ...f, op: "mutation" as const })),
    ];
    assert.ok(fields.length > 60, `only ${fields.length} fields`);
    const problems: string[] = [];
    for (const [index, field] of fields.entries()) {
      const recordedRefusal = RECORDED_REFUSAL_FIELDS.has(field.name);
      const args = field.args;
      const variables = fc.record(
        Object.fromEntries(args.map((a) => [a.name, fc.oneof(gqlValue(a.type, schema.types, 0), anyJson)])),
        { requiredKeys: [] },
      );
      const property = fc.asyncProperty(actor, variables, async (who, vars) => {
        const declared = args.map((a) => `$${a.name}: ${typeName(a.type)}`).join(", ");
        const passed = args.map((a) => `${a.name}: $${a.name}`).join(", ");
        const document = `${field.op}${declared ? `(${declared})` : ""} { ${field.name}${passed ? `(${passed})` : ""}${selection(field.type, schema.types, 0)} }`;
        const before = await fingerprint();
        const res = await t.app.inject({
          method: "POST",
          url: "/graphql",
          headers: { ...auth.get(who), "content-type": "application/json" },
          payload: JSON.stringify({ query: document, variables: vars }),
        });
        const problemsNow = checkGraphql(`${field.op} ${field.name} as ${who}`, res);
        const body = safeJson(res.body) as { errors?: unknown[] } | undefined;
        if (field.op === "mutation" && body?.errors?.length && !recordedRefusal) {
          const afterPrint = await fingerprint();
          if (afterPrint !== before) {
            problemsNow.push(`${field.name}: refused but stored data changed (${fingerprintDiff(before, afterPrint)})`);
          }
        }
        if (field.op === "mutation" && /logout|session|password|user/i.test(field.name)) await keepSessions();
        if (problemsNow.length > 0) {
          found.push(...problemsNow);
          throw new Error(`${problemsNow.join("\n")}\n  document: ${document}`);
        }
      });
      const result = await fc.check(property, {
        seed: settings.seed + 1000 + index,
        numRuns: settings.runs,
        endOnFailure: !settings.long,
      });
      if (result.failed) {
        problems.push(
          `${field.name}: ${String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance).slice(0, 800)}\n  replay: HOM_FUZZ_SEED=${settings.seed} (field seed ${settings.seed + 1000 + index}) counterexample ${JSON.stringify(result.counterexample).slice(0, 400)}`,
        );
      }
    }
    assert.deepEqual(problems, [], `seed ${settings.seed}:\n${problems.join("\n")}`);
  });

  test("GraphQL: generated garbage documents, variables and envelopes", { timeout: 300_000 }, async () => {
    const document = fc.oneof(
      nastyString,
      fc.constantFrom(
        "{ me { id } }",
        "query Q($a: ID!) { tool(id: $a) { id } }",
        "mutation { logout }",
        "{ __schema { types { name } } }",
        "{ tools(first: -1) { edges { node { id } } } }",
        "{ tools(first: 99999999999) { edges { node { id } } } }",
        "fragment F on Query { ...F } { ...F }",
        "subscription { x }",
        "{ a: me { id } a: tools { edges { node { id } } } }",
        `{ ${"me { id } ".repeat(3)} }`,
        `query { ${"__typename ".repeat(50)} }`,
        "0",
        '{"kind":"Document","definitions":[{}]}', // mercurius would read it as an AST
      ),
    );
    const envelope = fc.record(
      {
        query: fc.oneof(document, anyJson),
        variables: fc.oneof(anyJson, fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 })),
        operationName: fc.oneof(fc.string({ maxLength: 10 }), anyJson),
        extensions: anyJson,
      },
      { requiredKeys: [] },
    );
    const property = fc.asyncProperty(actor, envelope, fc.boolean(), async (who, body, asGet) => {
      const res = asGet
        ? await t.app.inject({
            url: `/graphql?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)])).toString()}`,
            headers: auth.get(who),
          })
        : await t.app.inject({
            method: "POST",
            url: "/graphql",
            headers: { ...auth.get(who), "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
      const problemsNow = checkGraphql(`graphql ${JSON.stringify(body).slice(0, 200)} as ${who}`, res);
      if (/logout/.test(JSON.stringify(body))) await keepSessions();
      if (problemsNow.length > 0) {
        found.push(...problemsNow);
        throw new Error(problemsNow.join("\n"));
      }
    });
    await fc.assert(property, {
      seed: settings.seed + 5000,
      numRuns: settings.runs * 40,
      endOnFailure: !settings.long,
    });
  });

  test("REST: raw, malformed and overlong URLs", async () => {
    const segment = fc.oneof(
      fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "..", "%2e%2e", "x".repeat(150), "%F0%9F", ";", "~", "?&=", "#"),
      nastyString.map((s) => encodeURIComponent(s.toWellFormed()).slice(0, 300)),
    );
    const prefix = fc.constantFrom(...new Set(operations.map((o) => o.path.replace(/\{[^}]+\}.*$/, ""))));
    const property = fc.asyncProperty(
      actor,
      prefix,
      segment,
      fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
      async (who, p, seg, method) => {
        const res = await t.app.inject({ method: method as "GET", url: `${p}${seg}`, headers: auth.get(who) });
        const problemsNow = checkAnswer(`${method} ${p}${seg.slice(0, 100)} as ${who}`, res);
        if (problemsNow.length > 0) {
          found.push(...problemsNow);
          throw new Error(problemsNow.join("\n"));
        }
      },
    );
    await fc.assert(property, {
      seed: settings.seed + 7000,
      numRuns: settings.runs * 20,
      endOnFailure: !settings.long,
    });
  });

  test("regressions: inputs the fuzzer found answering 5xx now get a clear 4xx", async () => {
    await keepSessions(); // the fuzzing may have ended the actors' sessions (logout, revocations)
    const admin = { ...auth.get("admin")!, "content-type": "application/json" };
    // A mould of its own: the fuzzing before may have retired the seeded one.
    const made = await t.app.inject({
      method: "POST",
      url: "/api/v1/tools",
      headers: admin,
      payload: JSON.stringify({ asset_number: `FZ-R-${Date.now()}`, name: "Regression mould", cavity_count: 1 }),
    });
    assert.equal(made.statusCode, 201, made.body);
    const tool = made.json().id as string;
    const cases: { name: string; url: string; method?: string; payload?: string; status: number; field?: string }[] = [
      // A plan whose forecast lies past the year 9999 (Date#toISOString threw).
      {
        name: "huge shot interval",
        url: `/api/v1/tools/${tool}/maintenance-plans`,
        method: "POST",
        payload: JSON.stringify({ name: "Far", activity: "inspection", interval_shots: 714137291 }),
        status: 201,
      },
      // NUL characters: PostgreSQL's text refuses them (a 500 from the driver).
      { name: "NUL in an id", url: "/api/v1/maintenance-logs/%00", status: 422, field: "id" },
      { name: "NUL in a query string", url: "/api/v1/tools?q=%00", status: 422, field: "q" },
      {
        name: "NUL in a body",
        url: "/api/v1/lines",
        method: "POST",
        payload: JSON.stringify({ code: "L\u0000", name: "x" }),
        status: 422,
        field: "code",
      },
      // The router's own refusals, now in the error shape.
      { name: "overlong id", url: `/api/v1/tools/${"x".repeat(150)}`, status: 414, field: "(path)" },
      { name: "bad percent-encoding", url: "/api/v1/tools/%zz", status: 400, field: "(path)" },
      // GraphQL envelopes and variables mercurius or graphql-js threw on.
      { name: "GraphQL body null", url: "/graphql", method: "POST", payload: "null", status: 400, field: "(body)" },
      {
        name: "GraphQL query not a string",
        url: "/graphql",
        method: "POST",
        payload: '{"query":0}',
        status: 400,
        field: "query",
      },
      {
        name: "GraphQL query as a JSON AST",
        url: "/graphql",
        method: "POST",
        payload: JSON.stringify({ query: '{"kind":"Document","definitions":[{}]}' }),
        status: 400,
        field: "query",
      },
      {
        name: "GraphQL variables not an object",
        url: "/graphql",
        method: "POST",
        payload: JSON.stringify({ query: "{ me { id } }", variables: 5 }),
        status: 400,
        field: "variables",
      },
      {
        name: "GraphQL variable of the wrong type",
        url: "/graphql",
        method: "POST",
        payload: JSON.stringify({ query: "query($id: ID!) { tool(id: $id) { id } }", variables: { id: true } }),
        status: 400,
        field: "id",
      },
      {
        name: "GraphQL GET with an unknown operation name",
        url: "/graphql?query=%7B%20me%20%7B%20id%20%7D%20%7D&operationName=nope",
        status: 400,
        field: "operationName",
      },
    ];
    const problems: string[] = [];
    for (const c of cases) {
      const res = await t.app.inject({
        method: (c.method ?? "GET") as "GET",
        url: c.url,
        headers: admin,
        payload: c.payload,
      });
      if (res.statusCode !== c.status) problems.push(`${c.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (c.field) {
        const body = res.json();
        const details = body.error?.details ?? body.errors?.[0]?.extensions?.details ?? [];
        if (!details.some((d: { field: string }) => d.field === c.field)) {
          problems.push(`${c.name}: no detail for ${c.field}: ${res.body.slice(0, 300)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  function checkGraphql(name: string, res: LightMyRequestResponse): string[] {
    const problems: string[] = [];
    if (res.statusCode >= 500) problems.push(`${name}: HTTP ${res.statusCode} ${res.body.slice(0, 300)}`);
    const body = safeJson(res.body) as { errors?: { message?: string; extensions?: { code?: string } }[] } | undefined;
    for (const error of body?.errors ?? []) {
      const code = error.extensions?.code;
      if (!code || code === "INTERNAL_SERVER_ERROR" || code === "INTERNAL") {
        problems.push(`${name}: error ${code ?? "without a code"}: ${error.message}`);
      }
    }
    return problems;
  }

  // --- GraphQL values and selections from the schema ---------------------------------------------

  function gqlValue(type: TypeRef, types: Map<string, SchemaType>, depth: number): fc.Arbitrary<unknown> {
    if (type.kind === "NON_NULL") return gqlValue(type.ofType!, types, depth);
    if (type.kind === "LIST") return fc.array(gqlValue(type.ofType!, types, depth + 1), { maxLength: 3 });
    const def = types.get(type.name!);
    if (def?.kind === "ENUM") return fc.oneof(fc.constantFrom(...def.enumValues!.map((v) => v.name)), nastyString);
    if (def?.kind === "INPUT_OBJECT") {
      if (depth > 3) return fc.constant({});
      const fields = def.inputFields ?? [];
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, gqlValue(f.type, types, depth + 1)])), {
        requiredKeys: fields.filter((f) => f.type.kind === "NON_NULL").map((f) => f.name),
      });
    }
    switch (type.name) {
      case "Int":
        return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1));
      case "Float":
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e300));
      case "Boolean":
        return fc.boolean();
      case "ID":
        return fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 4 }, nastyString);
      default:
        return fromSchema({ type: "string", format: /date/i.test(type.name ?? "") ? "date-time" : undefined }, pool);
    }
  }
});

// --- introspection ---------------------------------------------------------------------------------

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputValue {
  name: string;
  type: TypeRef;
}
interface FieldDef {
  name: string;
  args: InputValue[];
  type: TypeRef;
}
interface SchemaType {
  kind: string;
  name: string;
  fields: FieldDef[] | null;
  inputFields: InputValue[] | null;
  enumValues: { name: string }[] | null;
}
interface Schema {
  queryType: { fields: FieldDef[] };
  mutationType: { fields: FieldDef[] };
  types: Map<string, SchemaType>;
}

const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

async function introspect(t: TestApp, headers: Record<string, string>): Promise<Schema> {
  const res = await t.app.inject({
    method: "POST",
    url: "/graphql",
    headers,
    payload: {
      query: `{ __schema {
        queryType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
        mutationType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
        types { kind name fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
                inputFields { name type { ${TYPE_REF} } } enumValues { name } }
      } }`,
    },
  });
  const body = res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  const s = body.data.__schema;
  return {
    queryType: s.queryType,
    mutationType: s.mutationType,
    types: new Map(s.types.map((ty: SchemaType) => [ty.name, ty])),
  };
}

function typeName(type: TypeRef): string {
  if (type.kind === "NON_NULL") return `${typeName(type.ofType!)}!`;
  if (type.kind === "LIST") return `[${typeName(type.ofType!)}]`;
  return type.name!;
}

function namedType(type: TypeRef): TypeRef {
  return type.ofType ? namedType(type.ofType) : type;
}

/** Scalars of the result type, and the same one level down through fields that need no arguments. */
function selection(type: TypeRef, types: Map<string, SchemaType>, depth: number): string {
  const def = types.get(namedType(type).name!);
  if (!def || !["OBJECT", "INTERFACE", "UNION"].includes(def.kind)) return "";
  const parts = ["__typename"];
  for (const f of def.fields ?? []) {
    if (f.args.some((a) => a.type.kind === "NON_NULL")) continue;
    const inner = types.get(namedType(f.type).name!);
    if (!inner || inner.kind === "SCALAR" || inner.kind === "ENUM") parts.push(f.name);
    else if (depth < 2) parts.push(`${f.name}${selection(f.type, types, depth + 1)}`);
  }
  return ` { ${parts.join(" ")} }`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
