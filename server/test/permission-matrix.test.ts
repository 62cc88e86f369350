import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PERMISSIONS, ROLES, can, type Permission, type Role } from "../src/access/permissions.ts";
import { ADMIN_PASSWORD, createTestApp, forEachBackend, graphql, type TestApp } from "./helpers.ts";

/**
 * Every REST route and every GraphQL mutation × every built-in role and anonymous, generated
 * from the app's route table and the schema, so a new endpoint cannot escape (issue 11).
 *
 * Each operation is called with an id that does not exist and an empty body. Authorization
 * comes before validation and lookups, so what a role gets back tells whether it passed:
 * - anonymous: 401 everywhere but the public routes;
 * - a refusal is a 403 naming the permission it needed, and the roles refused must be exactly
 *   those the matrix (access/permissions.ts) denies that permission;
 * - a write that no role is refused must be on the short list of self-service operations
 *   (one's own notifications, logout…): a write guarded by nothing fails here.
 * What this cannot see: a read that checks no permission, when every role may read (all built-in
 * roles hold plant:read), and checks that depend on the record (owner-only moves), which the
 * suites of those modules test.
 */

const MISSING_ID = "00000000-0000-7000-8000-000000000000";

/** Served to anyone: health, metrics, docs, the web app, and logging in. */
function isPublic(method: string, url: string): boolean {
  if (!url.startsWith("/api/v1/")) return true; // /healthz, /readyz, /metrics, /api/docs, /graphiql, the web app
  return method === "POST" && ["/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/register"].includes(url);
}

/** Writes every signed-in user may make on their own behalf. */
const SELF_SERVICE = new Set([
  "POST /api/v1/auth/logout",
  "POST /api/v1/me/password",
  "POST /api/v1/notifications/:id/read",
  "POST /api/v1/notifications/read-all",
  "PATCH /api/v1/notifications/preferences",
]);
const SELF_SERVICE_MUTATIONS = new Set([
  "logout",
  "changePassword",
  "markNotificationRead",
  "markAllNotificationsRead",
  "updateNotificationPreferences",
]);

const KNOWN = new Set(Object.keys(PERMISSIONS));

/** The permissions a 403 names (REST `error.details` or GraphQL `extensions.details`). */
function namedPermissions(details: { code?: string }[] | undefined): Permission[] {
  return (details ?? []).map((d) => d.code).filter((c): c is Permission => c !== undefined && KNOWN.has(c));
}

interface Outcome {
  role: Role;
  refused: boolean;
  named: Permission[];
  status: string;
}

/** The matrix's verdict on one operation, given what each role got. Returns problems, not throws. */
function judge(name: string, isWrite: boolean, selfService: boolean, outcomes: Outcome[]): string[] {
  const problems: string[] = [];
  const refused = outcomes.filter((o) => o.refused);
  if (refused.length === 0) {
    if (isWrite && !selfService) problems.push(`${name}: no role is refused — a write guarded by nothing`);
    return problems;
  }
  const named = new Set(refused.flatMap((o) => o.named));
  if (refused.some((o) => o.named.length === 0)) {
    problems.push(`${name}: a 403 without the permission it needed (${refused.map((o) => o.role).join(", ")})`);
  }
  if (named.size !== 1) {
    problems.push(`${name}: refusals name ${named.size} permissions (${[...named].join(", ")})`);
    return problems;
  }
  const [permission] = [...named];
  for (const o of outcomes) {
    const expected = !can({ role: o.role }, permission);
    if (o.refused !== expected) {
      problems.push(
        `${name}: ${o.role} ${o.refused ? "refused" : `allowed (${o.status})`}, but the matrix says ${permission} is ${expected ? "denied" : "granted"}`,
      );
    }
  }
  return problems;
}

forEachBackend("Permission matrix over every operation", (backend) => {
  let t: TestApp;
  const users = new Map<Role, { username: string; password: string }>();
  const auth = new Map<Role, Record<string, string>>();
  /** Fresh sessions for every role: the logout operations end the ones they are called with. */
  const signIn = async () => {
    for (const [role, user] of users) {
      auth.set(role, { authorization: `Bearer ${(await t.login(user.username, user.password)).access_token}` });
    }
  };

  before(async () => {
    t = await createTestApp(backend);
    for (const role of ROLES) {
      users.set(role, role === "admin" ? { username: "admin", password: ADMIN_PASSWORD } : await t.userWithRole(role));
    }
  });
  after(() => t.close());

  test("every REST route × anonymous and every role", async () => {
    await signIn();
    const routes = t.app.routeTable
      .filter((r) => r.method !== "HEAD" && r.method !== "OPTIONS")
      // Logging out ends the session the other calls use: last.
      .sort((a, b) => Number(a.url === "/api/v1/auth/logout") - Number(b.url === "/api/v1/auth/logout"));
    const guarded = routes.filter((r) => !isPublic(r.method, r.url));
    assert.ok(guarded.length > 60, `only ${guarded.length} guarded routes found`);
    const problems: string[] = [];
    for (const { method, url } of guarded) {
      const name = `${method} ${url}`;
      const path = url.replace(/:[a-zA-Z_]+/g, MISSING_ID);
      const call = (headers: Record<string, string>) =>
        t.app.inject({
          method: method as "GET",
          url: path,
          headers:
            method === "GET" || method === "DELETE" ? headers : { ...headers, "content-type": "application/json" },
          ...(method === "GET" || method === "DELETE" ? {} : { payload: "{}" }),
        });
      const anonymous = await call({});
      if (anonymous.statusCode !== 401) problems.push(`${name}: anonymous got ${anonymous.statusCode}, not 401`);
      const outcomes: Outcome[] = [];
      for (const role of ROLES) {
        const res = await call(auth.get(role)!);
        if (res.statusCode >= 500) problems.push(`${name}: ${role} got ${res.statusCode}: ${res.body.slice(0, 200)}`);
        const body = res.headers["content-type"]?.includes("json") ? res.json() : {};
        outcomes.push({
          role,
          refused: res.statusCode === 403,
          named: namedPermissions(body?.error?.details),
          status: String(res.statusCode),
        });
      }
      problems.push(...judge(name, method !== "GET", SELF_SERVICE.has(name), outcomes));
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("every GraphQL mutation × anonymous and every role", async () => {
    await signIn();
    const schema = await introspect(t, auth.get("admin")!);
    const mutations = schema.mutationType.fields.sort(
      (a, b) => Number(a.name === "logout") - Number(b.name === "logout"),
    );
    assert.ok(mutations.length > 20, `only ${mutations.length} mutations found`);
    const problems: string[] = [];
    for (const field of mutations) {
      const document = mutationDocument(field, schema.types);
      const anonymous = (await graphql(t.app, document, {}, {})).body;
      const anonCode = anonymous.errors?.[0]?.extensions?.code;
      if (!["login", "refreshToken", "register"].includes(field.name) && anonCode !== "UNAUTHENTICATED") {
        problems.push(`${field.name}: anonymous got ${anonCode ?? "data"}, not UNAUTHENTICATED`);
      }
      const outcomes: Outcome[] = [];
      for (const role of ROLES) {
        const res = (await graphql(t.app, document, {}, auth.get(role))).body;
        const error = res.errors?.[0];
        const code = error?.extensions?.code ?? "ok";
        if (code === "INTERNAL_SERVER_ERROR" || code === "INTERNAL") {
          problems.push(`${field.name}: ${role} got ${code}: ${error?.message}`);
        }
        if (code === "GRAPHQL_VALIDATION_FAILED" || (!error?.extensions && error)) {
          problems.push(`${field.name}: the generated document is not valid: ${error?.message}`);
        }
        outcomes.push({
          role,
          refused: code === "FORBIDDEN",
          named: namedPermissions(error?.extensions?.details),
          status: code,
        });
      }
      if (["login", "refreshToken", "register"].includes(field.name)) continue;
      problems.push(...judge(field.name, true, SELF_SERVICE_MUTATIONS.has(field.name), outcomes));
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });
});

// --- GraphQL documents generated from the schema ---------------------------------------------

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputValue {
  name: string;
  type: TypeRef;
}
interface SchemaType {
  kind: string;
  name: string;
  inputFields: InputValue[] | null;
  enumValues: { name: string }[] | null;
}
interface Schema {
  mutationType: { fields: { name: string; args: InputValue[]; type: TypeRef }[] };
  types: Map<string, SchemaType>;
}

const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

async function introspect(t: TestApp, headers: Record<string, string>): Promise<Schema> {
  const { body: res } = await graphql(
    t.app,
    `{ __schema {
        mutationType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
        types { kind name inputFields { name type { ${TYPE_REF} } } enumValues { name } }
      } }`,
    {},
    headers,
  );
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  const s = res.data!.__schema;
  return { mutationType: s.mutationType, types: new Map(s.types.map((ty: SchemaType) => [ty.name, ty])) };
}

function named(type: TypeRef): TypeRef {
  return type.ofType ? named(type.ofType) : type;
}

/** A literal for a required argument: plausible in type, pointing at nothing that exists. */
function literal(type: TypeRef, types: Map<string, SchemaType>, depth = 0): string {
  if (type.kind === "NON_NULL") return literal(type.ofType!, types, depth);
  if (type.kind === "LIST") return `[${literal(type.ofType!, types, depth)}]`;
  const name = type.name!;
  const def = types.get(name);
  if (def?.kind === "ENUM") return def.enumValues![0].name;
  if (def?.kind === "INPUT_OBJECT") {
    const required = (def.inputFields ?? []).filter((f) => f.type.kind === "NON_NULL");
    if (depth > 4) return "{}";
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type, types, depth + 1)}`).join(", ")} }`;
  }
  switch (name) {
    case "Int":
    case "Float":
      return "1";
    case "Boolean":
      return "false";
    case "ID":
      return JSON.stringify(MISSING_ID);
    case "DateTime":
      return JSON.stringify("2026-01-01T00:00:00Z");
    case "JSON":
    case "JSONObject":
      return "{}";
    default:
      return JSON.stringify("x");
  }
}

function mutationDocument(
  field: { name: string; args: InputValue[]; type: TypeRef },
  types: Map<string, SchemaType>,
): string {
  const args = field.args
    .filter((a) => a.type.kind === "NON_NULL")
    .map((a) => `${a.name}: ${literal(a.type, types)}`)
    .join(", ");
  const result = types.get(named(field.type).name!);
  const selection = result && ["OBJECT", "INTERFACE", "UNION"].includes(result.kind) ? " { __typename }" : "";
  return `mutation { ${field.name}${args ? `(${args})` : ""}${selection} }`;
}
