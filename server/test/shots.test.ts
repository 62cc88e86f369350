import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shotsRepo } from "../src/modules/shots/repo.ts";
import { parseBatchEntry } from "../src/modules/shots/service.ts";
import {
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  type TestApp,
  rowCount,
} from "./helpers.ts";

let counter = 0;

/** A parse result with absent and undefined fields alike (the ingest reads both as "not given"). */
function comparable(result: ReturnType<typeof parseBatchEntry>) {
  if (!result.success) return { success: false, issues: result.error.issues };
  return { success: true, data: Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined)) };
}

test("batch entries: the quick check accepts what the schema accepts, normalised alike, and nothing else", () => {
  const owners = [{ tool_id: "T1" }, { machine_id: "M1" }, { tool_id: "T1", machine_id: "M1" }, {}, { tool_id: " T1" }];
  const ownersOdd = [{ tool_id: "" }, { machine_id: "x".repeat(65) }, { tool_id: "x".repeat(64) }];
  const amounts = [{ count: 1 }, { total: 0 }, { count: 0 }, { count: 1.5 }, { total: -0 }, { total: -1 }];
  const amountsOdd = [{ count: 1e12 }, { count: 1e12 + 1 }, { count: 1, total: 2 }, {}, { total: NaN }];
  const times = [
    undefined,
    "2026-03-01T06:00:00Z",
    "2026-03-01T06:00:00.123+01:00",
    "2026-03-01T06:00:00.000Z",
    "2026-02-30T00:00:00.000Z",
    "1999-12-31T23:59:59Z",
    "2099-12-31T23:59:59-01:00",
    5,
  ];
  const keys = [undefined, "k-1", " k-1", "x".repeat(200), "x".repeat(201), 7];
  const sources = [undefined, "mqtt", "MQTT", null];
  const cases: unknown[] = [null, [], "entry", 5, Object.create(null), { tool_id: "T1", count: 1, extra: true }];
  for (const owner of [...owners, ...ownersOdd])
    for (const amount of [...amounts, ...amountsOdd])
      for (const recorded_at of times)
        for (const external_id of keys)
          for (const source of sources) cases.push({ ...owner, ...amount, recorded_at, external_id, source });
  let quick = 0;
  for (const entry of cases) {
    const fast = parseBatchEntry(entry, true);
    assert.deepEqual(comparable(fast), comparable(parseBatchEntry(entry, false)), JSON.stringify(entry));
    if (fast.success) quick++;
  }
  assert.ok(cases.length > 10_000 && quick > 300, `${cases.length} cases, ${quick} accepted`);
});

forEachBackend("shots", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let operator: ReturnType<typeof restClient>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    operator = restClient(t.app, (await t.userWithRole("operator")).auth);
  });
  after(() => t.close());

  const newTool = async (lifetime = 0) => {
    const res = await admin.post("/api/v1/tools", {
      asset_number: `SH-${++counter}`,
      name: "Cap mould",
      cavity_count: 8,
      lifetime_shots: lifetime,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const lifetime = async (id: string) => (await admin.get(`/api/v1/tools/${id}`)).body.lifetime_shots as number;
  const entryCount = () => rowCount(t.runtime, "shot_entries");

  test("counts add up; totals become deltas; a lower total is a counter reset, never negative", async () => {
    const id = await newTool(1000);
    const url = `/api/v1/tools/${id}/shots`;
    const count = await operator.post(url, { count: 500 });
    assert.equal(count.status, 201, JSON.stringify(count.body));
    assert.deepEqual([count.body.delta, count.body.source, count.body.counter_reset], [500, "manual", false]);
    assert.equal(await lifetime(id), 1500);

    const first = await operator.post(url, { total: 1800, source: "plc" });
    assert.equal(first.body.delta, 300, "a tool's counter is taken to have stood at its lifetime shots");
    const next = await operator.post(url, { total: 2000, source: "plc" });
    assert.equal(next.body.delta, 200);
    const reset = await operator.post(url, { total: 50, source: "plc" });
    assert.deepEqual([reset.body.delta, reset.body.counter_reset, reset.body.total], [50, true, 50]);
    assert.equal(await lifetime(id), 2050);
    assert.equal(await shotsRepo.sumOfDeltas(t.runtime.db.kysely, id), 2050);
  });

  test("the same idempotency key twice is stored once", async () => {
    const id = await newTool();
    const url = `/api/v1/tools/${id}/shots`;
    const first = await operator.post(url, { count: 10, external_id: "shift-2026-03-02-A" });
    const again = await operator.post(url, { count: 10, external_id: "shift-2026-03-02-A" });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(await lifetime(id), 10);
    const otherSource = await operator.post(url, { count: 10, external_id: "shift-2026-03-02-A", source: "import" });
    assert.equal(otherSource.status, 201, "keys are per source");
  });

  test("bad entries are 422s with field details and change nothing", async () => {
    const id = await newTool();
    const url = `/api/v1/tools/${id}/shots`;
    const before = await entryCount();
    for (const [payload, field] of [
      [{ count: 0 }, "count"],
      [{ count: -5 }, "count"],
      [{ count: 1.5 }, "count"],
      [{ count: 1e13 }, "count"],
      [{ total: -1 }, "total"],
      [{}, "count"],
      [{ count: 1, total: 5 }, "count"],
      [{ count: "12" }, "count"],
      [{ count: 1, source: "telepathy" }, "source"],
      [{ count: 1, recorded_at: "2026-03-02 10:00" }, "recorded_at"],
      [{ count: 1, recorded_at: new Date(Date.now() + 3_600_000).toISOString() }, "recorded_at"],
      [{ count: 1, tool_id: id }, "tool_id"],
    ] as const) {
      const res = await operator.post(url, payload);
      assert.equal(res.status, 422, `${JSON.stringify(payload)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        JSON.stringify(res.body),
      );
    }
    assert.equal(
      (await operator.post("/api/v1/tools/01a00000-0000-7000-8000-000000000000/shots", { count: 1 })).status,
      404,
    );
    const viewer = restClient(t.app, (await t.userWithRole("viewer")).auth);
    assert.equal((await viewer.post(url, { count: 1 })).status, 403);
    assert.equal(await entryCount(), before);
    assert.equal(await lifetime(id), 0);
  });

  test("a retired tool takes no shots (409)", async () => {
    const id = await newTool();
    await admin.post(`/api/v1/tools/${id}/retire`);
    const res = await operator.post(`/api/v1/tools/${id}/shots`, { count: 1 });
    assert.equal(res.status, 409);
  });

  test("50 concurrent writers on one tool: the total equals the sum, exactly", async () => {
    const id = await newTool();
    const writes = Array.from({ length: 50 }, (_, i) => operator.post(`/api/v1/tools/${id}/shots`, { count: i + 1 }));
    const results = await Promise.all(writes);
    assert.ok(
      results.every((r) => r.status === 201),
      results.map((r) => r.status).join(),
    );
    assert.equal(await lifetime(id), (50 * 51) / 2);
    assert.equal(await shotsRepo.sumOfDeltas(t.runtime.db.kysely, id), (50 * 51) / 2);
  });

  test("concurrent single entries share one commit; duplicates and bad entries fail alone, each answered as itself", async () => {
    const technician = (await t.userWithRole("technician")) as { id: string; auth: Record<string, string> };
    const tech = restClient(t.app, technician.auth);
    const operatorId = (await operator.get("/api/v1/me")).body.id as string;
    const id = await newTool();
    const retired = await newTool();
    await admin.post(`/api/v1/tools/${retired}/retire`);
    const stale = await newTool();
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    assert.equal(
      (await operator.post(`/api/v1/tools/${stale}/shots`, { total: 100, source: "plc", recorded_at: minutesAgo(1) }))
        .status,
      201,
    );
    const url = `/api/v1/tools/${id}/shots`;
    type Call = { client: typeof operator; url: string; body: object; want: number; by?: string };
    const calls: Call[] = [
      ...Array.from({ length: 20 }, (_, i) => ({
        client: i % 2 ? tech : operator,
        url,
        body: { count: i + 1 },
        want: 201,
        by: i % 2 ? technician.id : operatorId,
      })),
      { client: operator, url, body: { count: 1000, external_id: "mix-1", source: "import" }, want: 0 },
      { client: tech, url, body: { count: 1000, external_id: "mix-1", source: "import" }, want: 0 },
      {
        client: operator,
        url,
        body: { count: 1, recorded_at: new Date(Date.now() + 3_600_000).toISOString() },
        want: 422,
      },
      { client: operator, url, body: { count: 0 }, want: 422 },
      { client: operator, url: `/api/v1/tools/${retired}/shots`, body: { count: 1 }, want: 409 },
      {
        client: operator,
        url: "/api/v1/tools/01a00000-0000-7000-8000-000000000000/shots",
        body: { count: 1 },
        want: 404,
      },
      {
        client: operator,
        url: `/api/v1/tools/${stale}/shots`,
        body: { total: 50, source: "plc", recorded_at: minutesAgo(2) },
        want: 409,
      },
    ];
    const groups = async () => {
      const text = (await t.app.inject({ url: "/metrics" })).body;
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
      return {
        batches: value("hom_shot_group_commit_entries_count"),
        entries: value("hom_shot_group_commit_entries_sum"),
      };
    };
    const groupsBefore = await groups();
    const answers = await Promise.all(calls.map((c) => c.client.post(c.url, c.body)));
    const groupsAfter = await groups();
    calls.forEach((c, i) => {
      if (c.want)
        assert.equal(answers[i].status, c.want, `${JSON.stringify(c.body)} → ${JSON.stringify(answers[i].body)}`);
      if (c.want === 201) {
        assert.equal(answers[i].body.delta, (c.body as { count: number }).count, "each request gets its own entry");
        assert.equal(answers[i].body.created_by, c.by, "each entry keeps its own author");
      }
    });
    const keyed = answers.slice(20, 22);
    assert.deepEqual(keyed.map((a) => a.status).sort(), [200, 201], "one idempotency key, stored once");
    assert.equal(keyed[0].body.id, keyed[1].body.id);
    assert.equal(answers[22].body.error.details[0].field, "recorded_at");
    assert.equal(answers[26].body.error.details[0].code, "stale");

    assert.equal(await lifetime(id), (20 * 21) / 2 + 1000);
    assert.equal(await shotsRepo.sumOfDeltas(t.runtime.db.kysely, id), (20 * 21) / 2 + 1000);
    assert.equal(await lifetime(retired), 0);
    assert.equal(await lifetime(stale), 100);
    const rows = await t.runtime.db.kysely
      .selectFrom("shot_entries")
      .select(["request_id", "created_at"])
      .where("tool_id", "=", id)
      .execute();
    assert.equal(rows.length, 21);
    assert.equal(new Set(rows.map((r) => r.request_id)).size, 21, "each entry keeps its own request id");
    const batches = groupsAfter.batches - groupsBefore.batches;
    const entries = groupsAfter.entries - groupsBefore.entries;
    assert.equal(entries, calls.length - 1, "every entry that passed validation went through a group commit");
    assert.ok(batches < entries / 2, `concurrent entries were committed together: ${entries} in ${batches} commits`);
  });

  test("concurrent counter readings of one tool never double count", async () => {
    const id = await newTool(0);
    const readings = Array.from({ length: 20 }, (_, i) =>
      operator.post(`/api/v1/tools/${id}/shots`, { total: 100 * (i + 1), source: "plc" }),
    );
    await Promise.all(readings);
    const total = await lifetime(id);
    assert.equal(total, await shotsRepo.sumOfDeltas(t.runtime.db.kysely, id));
    // Readings arrive in any order: each is either an advance or a reset, so the lifetime lies
    // between the highest reading and the sum of all readings — and equals the entries' sum.
    assert.ok(total >= 2000 && total <= 21000, String(total));
  });

  test("batch: per-entry results, machine cycles go to the mounted tool, duplicates once, bad entries alone", async () => {
    const { machines } = await createLineWithMachines(t, 2);
    const tool = await newTool();
    await admin.post(`/api/v1/tools/${tool}/mount`, { machine_id: machines[0].id });
    const res = await operator.post("/api/v1/shots", {
      entries: [
        { tool_id: tool, count: 5, external_id: "b-1", source: "import" },
        { tool_id: tool, count: 5, external_id: "b-1", source: "import" },
        { machine_id: machines[0].id, total: 10_000, source: "plc" },
        { machine_id: machines[0].id, total: 10_120, source: "plc" },
        { machine_id: machines[1].id, count: 3, source: "plc" },
        { tool_id: tool, count: -1 },
        { machine_id: "no-such-machine", count: 1 },
        { tool_id: tool, machine_id: machines[0].id, count: 1 },
        "not an object",
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.results.map((r: { status: string }) => r.status),
      ["stored", "duplicate", "stored", "stored", "ignored", "rejected", "rejected", "rejected", "rejected"],
    );
    assert.equal(res.body.results[2].delta, 0, "a machine's first reading sets the baseline");
    assert.equal(res.body.results[3].delta, 120);
    assert.equal(res.body.results[3].tool_id, tool);
    assert.equal(res.body.results[5].error.details[0].field, "count");
    assert.equal(await lifetime(tool), 125);

    const tooMany = await operator.post("/api/v1/shots", {
      entries: Array.from({ length: 10_001 }, () => ({ tool_id: tool, count: 1 })),
    });
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.error.details[0].field, "entries");
    assert.equal((await operator.post("/api/v1/shots", { entries: [] })).status, 422);
    // A NUL anywhere refuses the whole batch before any SQL, naming the field.
    for (const [entry, field] of [
      [{ tool_id: tool, count: 1, external_id: "n\u0000ul" }, "entries.1.external_id"],
      [{ tool_id: tool, count: 1, ["k\u0000"]: 1 }, "entries.1.k\u0000"],
    ] as const) {
      const nul = await operator.post("/api/v1/shots", { entries: [{ tool_id: tool, count: 1 }, entry] });
      assert.equal(nul.status, 422);
      assert.deepEqual(nul.body.error.details[0], {
        field,
        message: "must not contain NUL characters (\\u0000)",
        code: "invalid_characters",
      });
    }
    assert.equal(await lifetime(tool), 125);
  });

  test("batch: earlier machine readings count for the tool mounted then, over several machines' mount histories", async () => {
    const { machines } = await createLineWithMachines(t, 3);
    const [a, b, c] = [await newTool(), await newTool(), await newTool()];
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    const at = async () => {
      const now = new Date().toISOString();
      await pause();
      return now;
    };
    const beforeAll = await at();
    // Machine 0: a, then b (open). Machine 1: c, unmounted (no open mount). Machine 2: never a tool.
    await admin.post(`/api/v1/tools/${a}/mount`, { machine_id: machines[0].id });
    await admin.post(`/api/v1/tools/${c}/mount`, { machine_id: machines[1].id });
    const duringFirst = await at();
    await admin.post(`/api/v1/tools/${a}/unmount`, {});
    await admin.post(`/api/v1/tools/${c}/unmount`, {});
    const between = await at();
    await admin.post(`/api/v1/tools/${b}/mount`, { machine_id: machines[0].id });
    const duringSecond = await at();
    const res = await operator.post("/api/v1/shots", {
      entries: [
        { machine_id: machines[0].id, count: 1, recorded_at: duringSecond },
        { machine_id: machines[0].id, count: 2, recorded_at: duringFirst },
        { machine_id: machines[0].id, count: 4, recorded_at: between },
        { machine_id: machines[0].id, count: 8, recorded_at: beforeAll },
        { machine_id: machines[1].id, count: 16, recorded_at: duringFirst },
        { machine_id: machines[1].id, count: 32, recorded_at: duringSecond },
        { machine_id: machines[2].id, count: 64, recorded_at: duringFirst },
        { machine_id: machines[0].id, count: 128 },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.results.map((r: { status: string; tool_id?: string }) => [r.status, r.tool_id]),
      [
        ["stored", b],
        ["stored", a],
        ["ignored", undefined],
        ["ignored", undefined],
        ["stored", c],
        ["ignored", undefined],
        ["ignored", undefined],
        ["stored", b],
      ],
    );
    assert.deepEqual([await lifetime(a), await lifetime(b), await lifetime(c)], [2, 129, 16]);
  });

  test("batch: idempotency keys with quotes, emoji or a lone surrogate are found again", async () => {
    const tool = await newTool();
    const keys = ['q"uote\\', "emoji-\u{1F527}", "lone-\ud800", "x".repeat(200)];
    const post = () =>
      operator.post("/api/v1/shots", {
        entries: keys.map((external_id) => ({ tool_id: tool, count: 1, source: "import", external_id })),
      });
    const first = await post();
    assert.deepEqual(
      first.body.results.map((r: { status: string }) => r.status),
      keys.map(() => "stored"),
    );
    // Stored once and counted once each. (A lone surrogate is stored as U+FFFD, so the lookup does not
    // recognise it and the insert's conflict does: answered as a lost race, with the tool's id.)
    const again = await post();
    assert.deepEqual(
      again.body.results.map((r: { status: string }) => r.status),
      keys.map(() => "duplicate"),
    );
    assert.equal(await lifetime(tool), keys.length);
  });

  test("in one batch, a tool's first reading counts from the shots the batch added before it", async () => {
    const tool = await newTool();
    const res = await operator.post("/api/v1/shots", {
      entries: [
        { tool_id: tool, count: 7 },
        { tool_id: tool, total: 100, source: "plc" },
      ],
    });
    assert.deepEqual(
      res.body.results.map((r: { delta: number }) => r.delta),
      [7, 93],
    );
    assert.equal(await lifetime(tool), 100, "as two separate calls would give");
  });

  test("batch of 10,000 entries is stored whole and counted exactly", async () => {
    const tool = await newTool();
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      tool_id: tool,
      count: 2,
      external_id: `big-${i}`,
      source: "import",
    }));
    const res = await operator.post("/api/v1/shots", { entries });
    assert.equal(res.status, 200);
    assert.equal(res.body.results.filter((r: { status: string }) => r.status === "stored").length, 10_000);
    assert.equal(await lifetime(tool), 20_000);
    const again = await operator.post("/api/v1/shots", { entries });
    assert.equal(again.body.results.filter((r: { status: string }) => r.status === "duplicate").length, 10_000);
    assert.equal(await lifetime(tool), 20_000);
  });

  test("GraphQL recordShots and the tool's shot entries", async () => {
    const tool = await newTool();
    const res = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          recordShots(toolId: $id, input: { count: 42, source: manual }) {
            delta
            counterReset
            source
          }
        }
      `,
      { id: tool },
      (await t.userWithRole("operator")).auth,
    );
    assert.deepEqual(res.body.data!.recordShots, { delta: 42, counterReset: false, source: "manual" });
    const bad = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          recordShots(toolId: $id, input: { count: 1, total: 2 }) {
            id
          }
        }
      `,
      { id: tool },
      t.adminAuth,
    );
    assert.equal(bad.body.errors![0].extensions.code, "BAD_USER_INPUT");
    const read = await graphql(
      t.app,
      `
        query ($id: ID!) {
          tool(id: $id) {
            lifetimeShots
            shotEntries(first: 5) {
              edges {
                node {
                  delta
                }
              }
            }
          }
        }
      `,
      { id: tool },
      t.adminAuth,
    );
    assert.equal(read.body.data!.tool.lifetimeShots, 42);
    assert.equal(read.body.data!.tool.shotEntries.edges.length, 1);
  });
});
