import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { PG_VERSION_PERIOD_MS, transaction } from "../src/db/index.ts";
import {
  TEST_PG_URL,
  auditCount,
  createLineWithMachines,
  createTestApp,
  forEachBackend,
  graphql,
  restClient,
  type TestApp,
} from "./helpers.ts";

let toolCounter = 0;

forEachBackend("tools", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let engineer: ReturnType<typeof restClient>;
  let technician: ReturnType<typeof restClient>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    technician = restClient(t.app, (await t.userWithRole("technician")).auth);
  });
  after(() => t.close());

  const newTool = async (extra: Record<string, unknown> = {}) => {
    const res = await engineer.post("/api/v1/tools", {
      asset_number: `MLD-${++toolCounter}`,
      name: `Housing mould ${toolCounter}`,
      cavity_count: 4,
      ...extra,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; asset_number: string; lifetime_shots: number };
  };

  test("an engineer registers a tool; its history so far becomes the opening shot entry", async () => {
    const audits = await auditCount(t.runtime, "tool.create");
    const tool = await newTool({
      part_number: "PN-100",
      rated_life_shots: 1_000_000,
      lifetime_shots: 250_000,
      location: "Rack A3",
    });
    assert.equal(tool.lifetime_shots, 250_000);
    const shots = await admin.get(`/api/v1/tools/${tool.id}/shots`);
    assert.deepEqual(
      shots.body.items.map((e: { delta: number; source: string }) => [e.delta, e.source]),
      [[250_000, "manual"]],
    );
    assert.equal(await auditCount(t.runtime, "tool.create"), audits + 1);
    const updated = await engineer.patch(`/api/v1/tools/${tool.id}`, { location: null, active_cavities: 3 });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.location, null);
    assert.equal(updated.body.active_cavities, 3);
  });

  test("the list filters by part of the location, any case, over REST and GraphQL", async () => {
    const place = `Rack-${++toolCounter}`;
    const inRack = await newTool({ location: `${place} shelf 2` });
    await newTool({ location: "Press hall" });
    const rest = await admin.get(`/api/v1/tools?location=${encodeURIComponent(place.toLowerCase())}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(
      rest.body.items.map((x: { id: string }) => x.id),
      [inRack.id],
    );
    // LIKE wildcards are literal: "%" finds only locations that contain one.
    assert.equal((await admin.get("/api/v1/tools?location=%25")).body.items.length, 0);
    assert.equal((await admin.get(`/api/v1/tools?location=${"x".repeat(201)}`)).status, 422);
    const gql = await graphql(
      t.app,
      "query Tools($location: String) { tools(location: $location) { edges { node { id } } } }",
      { location: place.toUpperCase() },
      t.adminAuth,
    );
    assert.deepEqual(
      gql.body.data!.tools.edges.map((e: { node: { id: string } }) => e.node.id),
      [inRack.id],
    );
  });

  test("bad input is a 422 with field details; duplicates are 409; nothing is stored", async () => {
    const tool = await newTool();
    for (const [payload, field] of [
      [{ name: "x", cavity_count: 1 }, "asset_number"],
      [{ asset_number: "A-1", name: "x", cavity_count: 0 }, "cavity_count"],
      [{ asset_number: "A-1", name: "x", cavity_count: 2.5 }, "cavity_count"],
      [{ asset_number: "A-1", name: "x", cavity_count: 2, active_cavities: 3 }, "active_cavities"],
      [{ asset_number: "A-1", name: "x", cavity_count: 2, lifetime_shots: -1 }, "lifetime_shots"],
      [{ asset_number: "A-1", name: "x", cavity_count: 2, status: "retired" }, "status"],
      [{ asset_number: "A-1", name: "x", cavity_count: 2, machine_id: "m" }, "machine_id"],
      [{ asset_number: "../etc", name: "x", cavity_count: 2 }, "asset_number"],
    ] as const) {
      const res = await engineer.post("/api/v1/tools", payload);
      assert.equal(res.status, 422, JSON.stringify(payload));
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        JSON.stringify(res.body),
      );
    }
    const dup = await engineer.post("/api/v1/tools", {
      asset_number: tool.asset_number.toLowerCase(),
      name: "x",
      cavity_count: 1,
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.details[0].field, "asset_number");
    const readOnly = await engineer.patch(`/api/v1/tools/${tool.id}`, { lifetime_shots: 5 });
    assert.equal(readOnly.status, 422);
    assert.equal(
      (await technician.post("/api/v1/tools", { asset_number: "T-9", name: "x", cavity_count: 1 })).status,
      403,
    );
    const list = await admin.get("/api/v1/tools?q=A-1");
    assert.equal(list.body.items.length, 0);
  });

  test("mounting: one tool per machine, one machine per tool, with history; unmount and retire", async () => {
    const { machines } = await createLineWithMachines(t, 2);
    const a = await newTool();
    const b = await newTool();
    const mounted = await technician.post(`/api/v1/tools/${a.id}/mount`, { machine_id: machines[0].id });
    assert.equal(mounted.status, 200, JSON.stringify(mounted.body));
    assert.equal(mounted.body.machine_id, machines[0].id);
    assert.equal((await technician.post(`/api/v1/tools/${b.id}/mount`, { machine_id: machines[0].id })).status, 409);
    assert.equal((await technician.post(`/api/v1/tools/${a.id}/mount`, { machine_id: machines[1].id })).status, 409);
    assert.equal((await technician.post(`/api/v1/tools/${b.id}/mount`, { machine_id: "nope" })).status, 422);
    assert.equal((await engineer.patch(`/api/v1/tools/${a.id}`, { status: "stored" })).status, 409);
    const manager = restClient(t.app, (await t.userWithRole("manager")).auth);
    assert.equal((await manager.post(`/api/v1/tools/${a.id}/retire`)).status, 409, "mounted tools are not retired");

    const unmounted = await technician.post(`/api/v1/tools/${a.id}/unmount`, { location: "Rack B1" });
    assert.equal(unmounted.status, 200);
    assert.equal(unmounted.body.machine_id, null);
    assert.equal(unmounted.body.location, "Rack B1");
    assert.equal((await technician.post(`/api/v1/tools/${a.id}/unmount`, {})).status, 409);
    const history = await admin.get(`/api/v1/tools/${a.id}/mounts`);
    assert.equal(history.body.items.length, 1);
    assert.ok(history.body.items[0].unmounted_at);

    assert.equal((await technician.post(`/api/v1/tools/${a.id}/retire`)).status, 403);
    const retired = await manager.post(`/api/v1/tools/${a.id}/retire`);
    assert.equal(retired.body.status, "retired");
    assert.equal((await technician.post(`/api/v1/tools/${a.id}/mount`, { machine_id: machines[1].id })).status, 409);
    assert.ok(!(await admin.get("/api/v1/tools?limit=500")).body.items.some((x: { id: string }) => x.id === a.id));
    assert.equal(await auditCount(t.runtime, "tool.mount"), 1);
  });

  test("concurrent mounts onto one machine: exactly one wins", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const tools = await Promise.all(Array.from({ length: 6 }, () => newTool()));
    const results = await Promise.all(
      tools.map((tool) => technician.post(`/api/v1/tools/${tool.id}/mount`, { machine_id: machines[0].id })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join());
    assert.ok(results.every((r) => r.status === 200 || r.status === 409));
  });

  test("GraphQL: tools with their machine, mount and unmount", async () => {
    const { machines } = await createLineWithMachines(t, 1);
    const tool = await newTool();
    const auth = t.adminAuth;
    const mount = await graphql(
      t.app,
      `
        mutation ($id: ID!, $m: ID!) {
          mountTool(id: $id, machineId: $m) {
            machine {
              id
            }
            status
          }
        }
      `,
      { id: tool.id, m: machines[0].id },
      auth,
    );
    assert.equal(mount.body.data!.mountTool.machine.id, machines[0].id);
    const read = await graphql(
      t.app,
      `
        query ($m: ID!) {
          machine(id: $m) {
            mountedTool {
              assetNumber
              lifetimeShots
            }
          }
          tools(mounted: true, first: 100) {
            edges {
              node {
                assetNumber
              }
            }
          }
        }
      `,
      { m: machines[0].id },
      auth,
    );
    assert.equal(read.body.data!.machine.mountedTool.assetNumber, tool.asset_number);
    const unmount = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          unmountTool(id: $id) {
            machineId
          }
        }
      `,
      { id: tool.id },
      auth,
    );
    assert.equal(unmount.body.data!.unmountTool.machineId, null);
    const created = await graphql(
      t.app,
      `
        mutation {
          createTool(input: { assetNumber: "GQ-1", name: "G", cavityCount: 2, ratedLifeShots: 500000 }) {
            id
            cavityCount
            ratedLifeShots
            lifetimeShots
            status
          }
        }
      `,
      {},
      auth,
    );
    assert.deepEqual(
      { ...created.body.data!.createTool, id: undefined },
      { id: undefined, cavityCount: 2, ratedLifeShots: 500000, lifetimeShots: 0, status: "active" },
    );
    const retired = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          retireTool(id: $id) {
            status
          }
        }
      `,
      { id: created.body.data!.createTool.id },
      auth,
    );
    assert.equal(retired.body.data!.retireTool.status, "retired");
  });

  test("the registry list shows every write at once: edits, shots, mounts, and writes by another process", async () => {
    const tool = await newTool({ location: "Rack C1" });
    const listed = async () => {
      const res = await admin.get(`/api/v1/tools?limit=500&q=${tool.asset_number}`);
      assert.equal(res.status, 200);
      assert.match(String(res.body.next_cursor), /^null$/);
      return (res.body.items as { id: string; name: string; lifetime_shots: number; machine_id: string | null }[]).find(
        (item) => item.id === tool.id,
      )!;
    };
    assert.equal((await listed()).name, tool.asset_number.replace("MLD", "Housing mould").replace("-", " "));
    await listed(); // served again, unchanged
    assert.equal((await engineer.patch(`/api/v1/tools/${tool.id}`, { name: "Renamed" })).status, 200);
    assert.equal((await listed()).name, "Renamed");
    assert.equal((await admin.post(`/api/v1/tools/${tool.id}/shots`, { count: 7 })).status, 201);
    assert.equal((await listed()).lifetime_shots, 7);
    const { machines } = await createLineWithMachines(t, 1);
    assert.equal((await technician.post(`/api/v1/tools/${tool.id}/mount`, { machine_id: machines[0].id })).status, 200);
    assert.equal((await listed()).machine_id, machines[0].id);
    // Another process writing to the same database (a CLI command, a second connection).
    if (backend === "sqlite") {
      const { default: Sqlite } = await import("better-sqlite3-multiple-ciphers");
      const config = t.runtime.config.database as { file: string };
      const other = new Sqlite(config.file);
      try {
        other.prepare("update tools set name = ? where id = ?").run(["Renamed elsewhere", tool.id]);
      } finally {
        other.close();
      }
      assert.equal((await listed()).name, "Renamed elsewhere");
    } else {
      // This process's own writes show at once, also those of a transaction that commits after a
      // read began: the read cannot have seen them, so its page must not be kept.
      await transaction(t.runtime.db, async (trx) => {
        await trx.updateTable("tools").set({ name: "Renamed in a transaction" }).where("id", "=", tool.id).execute();
        assert.equal((await listed()).name, "Renamed", "a concurrent read sees the committed name");
      });
      assert.equal((await listed()).name, "Renamed in a transaction");
      // Another instance's write (its own connection) shows within PG_VERSION_PERIOD_MS.
      const { schema } = t.runtime.db;
      const other = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
      await other.connect();
      try {
        await other.query("update tools set name = $1 where id = $2", ["Renamed elsewhere", tool.id]);
      } finally {
        await other.end();
      }
      await new Promise((r) => setTimeout(r, PG_VERSION_PERIOD_MS + 50));
      assert.equal((await listed()).name, "Renamed elsewhere");
    }
  });
});
