import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { DataType, VariantArrayType } from "node-opcua-client";
import { OPCUAServer } from "node-opcua-server";
import { startRuntime, type Runtime } from "../src/runtime.ts";
import { createLineWithMachines, createTestApp, forEachBackend, graphql, restClient, type TestApp } from "./helpers.ts";

/**
 * OPC UA counter sources against a real node-opcua server on loopback, playing a press with an
 * EUROMAP 77-style Machine object (MachineCycleCounter, UInt32) and an OPC 40082-5-style Mould
 * object (MouldLifetimeCycleCounter, UInt64). The server is stopped and started again on the
 * same port to check that the client reconnects and counts every cycle exactly once.
 */

const MACHINE_NODE = "ns=1;s=Machine.MachineCycleCounter";
const MOULD_NODE = "ns=1;s=Mould.MouldLifetimeCycleCounter";
const STATUS_NODE = "ns=1;s=Machine.Status";
/** Tight timings: OPC UA's defaults are seconds; tests want changes within tens of milliseconds. */
const FAST = { HOM_OPCUA_PUBLISHING_INTERVAL_MS: "50", HOM_OPCUA_RECONNECT_MAX_DELAY_MS: "300" };
const DEADLINE_MS = 20_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A press's OPC UA server. Its counters survive stop/start, as a PLC's do. */
class Press {
  readonly port: number;
  machineCycles = 0;
  mouldCycles = 0;
  namespaceUri = "";
  #server: OPCUAServer | undefined;
  #machine: UAVariable | undefined;
  #mould: UAVariable | undefined;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `opc.tcp://127.0.0.1:${this.port}/UA/Press`;
  }

  async start(): Promise<void> {
    const server = new OPCUAServer({
      port: this.port,
      hostname: "127.0.0.1",
      resourcePath: "/UA/Press",
      buildInfo: { productName: "HOM test press" },
    });
    await server.initialize();
    const addressSpace = server.engine.addressSpace!;
    const ns = addressSpace.getOwnNamespace();
    this.namespaceUri = ns.namespaceUri;
    const objects = addressSpace.rootFolder.objects;
    const machine = ns.addObject({ organizedBy: objects, browseName: "Machine" });
    this.#machine = ns.addVariable({
      componentOf: machine,
      browseName: "MachineCycleCounter",
      nodeId: "s=Machine.MachineCycleCounter",
      dataType: "UInt32",
      minimumSamplingInterval: 10,
      value: { dataType: DataType.UInt32, value: this.machineCycles },
    });
    ns.addVariable({
      componentOf: machine,
      browseName: "Status",
      nodeId: "s=Machine.Status",
      dataType: "String",
      minimumSamplingInterval: 10,
      value: { dataType: DataType.String, value: "running" },
    });
    const mould = ns.addObject({ organizedBy: objects, browseName: "Mould" });
    this.#mould = ns.addVariable({
      componentOf: mould,
      browseName: "MouldLifetimeCycleCounter",
      nodeId: "s=Mould.MouldLifetimeCycleCounter",
      dataType: "UInt64",
      minimumSamplingInterval: 10,
      value: uint64(this.mouldCycles),
    });
    await server.start();
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.shutdown(0);
  }

  setMachine(value: number): void {
    this.machineCycles = value;
    this.#machine?.setValueFromSource({ dataType: DataType.UInt32, value });
  }

  setMould(value: number): void {
    this.mouldCycles = value;
    this.#mould?.setValueFromSource(uint64(value));
  }
}

function uint64(value: number) {
  return {
    dataType: DataType.UInt64,
    arrayType: VariantArrayType.Scalar,
    value: [Math.floor(value / 2 ** 32), value % 2 ** 32],
  };
}

/** Polls until `ok(value)`, or fails with the last value seen: no fixed sleeps on a loaded machine. */
async function eventually<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  let last: T;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

type UAVariable = ReturnType<
  ReturnType<NonNullable<OPCUAServer["engine"]["addressSpace"]>["getOwnNamespace"]>["addVariable"]
>;
let counter = 0;

forEachBackend("opcua", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  const presses: Press[] = [];
  before(async () => {
    t = await createTestApp(backend, FAST);
    admin = restClient(t.app, t.adminAuth);
  });
  after(async () => {
    await t.close();
    for (const press of presses) await press.stop();
  });

  const startPress = async () => {
    const press = new Press(await freePort());
    presses.push(press);
    await press.start();
    return press;
  };
  const newTool = async (lifetime = 0) => {
    const res = await admin.post("/api/v1/tools", {
      asset_number: `OPC-${++counter}`,
      name: "Closure mould",
      cavity_count: 4,
      lifetime_shots: lifetime,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const newSource = async (payload: Record<string, unknown>) => {
    const res = await admin.post("/api/v1/integrations/opcua", payload);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; connection: { state: string } };
  };
  const lifetime = async (toolId: string) => (await admin.get(`/api/v1/tools/${toolId}`)).body.lifetime_shots as number;
  const lifetimeReaches = (toolId: string, expected: number) =>
    eventually(
      `lifetime ${expected}`,
      () => lifetime(toolId),
      (v) => v === expected,
    );
  const connection = async (sourceId: string) =>
    (await admin.get(`/api/v1/integrations/opcua/${sourceId}`)).body.connection;
  const eventsOf = async (sourceId: string) => {
    const res = await admin.get("/api/v1/integrations/events?channel=opcua&limit=500");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.items as { topic: string; status: string; error: string | null; payload: string }[]).filter(
      (e) => e.topic === sourceId,
    );
  };
  const moreEvents = async (sourceId: string, than: number) =>
    eventually(
      `more than ${than} events`,
      () => eventsOf(sourceId),
      (events) => events.length > than,
    );
  const shotsOf = async (toolId: string) =>
    (await admin.get(`/api/v1/tools/${toolId}/shots?limit=500`)).body.items as {
      delta: number;
      total: number;
      counter_reset: boolean;
      source: string;
      external_id: string;
    }[];

  test("machine cycle counter: cycles go to the mounted tool, once, across server restarts", async () => {
    const press = await startPress();
    press.setMachine(1000);
    const { machines } = await createLineWithMachines(t);
    const tool = await newTool();
    const mount = await admin.post(`/api/v1/tools/${tool}/mount`, { machine_id: machines[0].id });
    assert.equal(mount.status, 200, JSON.stringify(mount.body));

    const source = await newSource({
      endpoint_url: press.url,
      node_id: MACHINE_NODE,
      kind: "machine_cycle_counter",
      machine_id: machines[0].id,
    });
    // The first reading only sets the machine's baseline.
    await eventually(
      "the baseline",
      () => connection(source.id),
      (c) => c.last_value === 1000,
    );
    assert.equal(await lifetime(tool), 0);
    assert.equal((await connection(source.id)).state, "connected");

    press.setMachine(1010);
    await lifetimeReaches(tool, 10);
    press.setMachine(1025);
    await lifetimeReaches(tool, 25);

    // The server goes away and comes back with the same value: the client reconnects, reads
    // 1025 again, and nothing is added.
    await press.stop();
    await eventually(
      "the link to drop",
      () => connection(source.id),
      (c) => c.state !== "connected",
    );
    let seen = (await eventsOf(source.id)).length;
    await press.start();
    await moreEvents(source.id, seen);
    assert.equal((await connection(source.id)).state, "connected");
    assert.equal(await lifetime(tool), 25);

    // A second HOM instance (or this one restarted) has no memory of what was read: its reading
    // of the same value goes to the shot service, where the stored counter makes it add 0.
    seen = (await eventsOf(source.id)).length;
    const second: Runtime = await startRuntime(t.testEnv.config);
    try {
      const [latest] = await moreEvents(source.id, seen);
      assert.equal(latest.status, "stored");
      assert.equal(await lifetime(tool), 25);
      if (backend === "postgres") {
        // Several instances on one PostgreSQL (SQLite is one process): each stores the new
        // cycle under the same idempotency key, so it counts once.
        seen = (await eventsOf(source.id)).length;
        press.setMachine(1026);
        const events = await moreEvents(source.id, seen + 1);
        assert.deepEqual(
          events
            .slice(0, 2)
            .map((e) => e.status)
            .sort(),
          ["duplicate", "stored"],
        );
        await lifetimeReaches(tool, 26);
      }
    } finally {
      await second.close();
    }
    press.setMachine(1030);
    await lifetimeReaches(tool, 30);

    // Cycles made while the link was down arrive after it is back.
    await press.stop();
    await eventually(
      "the link to drop",
      () => connection(source.id),
      (c) => c.state !== "connected",
    );
    press.setMachine(1050);
    await press.start();
    await lifetimeReaches(tool, 50);

    // A counter that goes backwards was reset: its new reading is the delta, never negative.
    press.setMachine(4);
    await lifetimeReaches(tool, 54);
    const shots = await shotsOf(tool);
    const reset = shots.find((s) => s.counter_reset);
    assert.ok(reset, JSON.stringify(shots));
    assert.deepEqual([reset.delta, reset.total], [4, 4]);
    assert.ok(shots.every((s) => s.source === "opcua" && s.external_id.startsWith(`${source.id}:`)));
    assert.equal(
      shots.reduce((sum, s) => sum + s.delta, 0),
      54,
    );
    const events = await eventsOf(source.id);
    assert.ok(
      events.every((e) => ["stored", "duplicate"].includes(e.status)),
      JSON.stringify(events),
    );
    assert.ok(events.some((e) => e.status === "duplicate"));
    assert.equal(JSON.parse(events[0].payload).node_id, MACHINE_NODE);
    const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(metrics, /hom_shots_ingested_total\{source="opcua"\} \d+/);
    assert.match(metrics, /hom_integration_messages_total\{channel="opcua",status="duplicate"\} \d+/);
    assert.match(metrics, /hom_opcua_connected_endpoints 1/);
  });

  test("mould lifetime counter (UInt64, namespace by URI): the mould's own count", async () => {
    const press = await startPress();
    press.setMould(4500);
    const tool = await newTool(4000);
    const source = await newSource({
      endpoint_url: press.url,
      node_id: `nsu=${press.namespaceUri};s=Mould.MouldLifetimeCycleCounter`,
      kind: "mould_lifetime_counter",
      tool_id: tool,
    });
    // The mould counted 500 shots since HOM last knew it.
    await lifetimeReaches(tool, 4500);
    press.setMould(4620);
    await lifetimeReaches(tool, 4620);
    press.setMould(2 ** 32 + 100); // past 32 bits
    await lifetimeReaches(tool, 2 ** 32 + 100);
    press.setMould(40); // the mould's counter was reset
    await lifetimeReaches(tool, 2 ** 32 + 140);
    assert.ok((await shotsOf(tool)).some((s) => s.counter_reset && s.delta === 40));
    assert.equal((await connection(source.id)).last_value, 40);
  });

  test("changing, pausing and deleting a source reconfigures the client", async () => {
    const press = await startPress();
    press.setMould(100);
    const [first, second] = [await newTool(100), await newTool(0)];
    const source = await newSource({
      endpoint_url: press.url,
      node_id: MOULD_NODE,
      kind: "mould_lifetime_counter",
      tool_id: first,
    });
    await eventually(
      "connected",
      () => connection(source.id),
      (c) => c.last_value === 100,
    );
    press.setMould(110);
    await lifetimeReaches(first, 110);

    const paused = await admin.patch(`/api/v1/integrations/opcua/${source.id}`, { active: false });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.connection.state, "inactive");
    const seen = (await eventsOf(source.id)).length;
    press.setMould(120);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await eventsOf(source.id)).length, seen, "a paused source reads nothing");
    assert.equal(await lifetime(first), 110);
    await admin.patch(`/api/v1/integrations/opcua/${source.id}`, { active: true });
    await lifetimeReaches(first, 120);

    // Another mould now: the node is read for it.
    const moved = await admin.patch(`/api/v1/integrations/opcua/${source.id}`, { tool_id: second });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    press.setMould(130);
    await eventually(
      "the new mould's counter",
      () => lifetime(second),
      (v) => v > 0,
    );
    assert.equal(await lifetime(first), 120);

    // A node the server does not have: an error the admin can see, never a crash.
    const wrong = await admin.patch(`/api/v1/integrations/opcua/${source.id}`, { node_id: "ns=1;s=Mould.NoSuchNode" });
    assert.equal(wrong.status, 200);
    const failed = await eventually(
      "the node error",
      () => connection(source.id),
      (c) => c.state === "error",
    );
    assert.match(failed.last_error, /BadNodeIdUnknown/);
    assert.ok((await eventsOf(source.id)).some((e) => e.status === "rejected" && /BadNodeIdUnknown/.test(e.error!)));

    const removed = await admin.delete(`/api/v1/integrations/opcua/${source.id}`);
    assert.equal(removed.status, 204);
    assert.equal((await admin.get(`/api/v1/integrations/opcua/${source.id}`)).status, 404);
    assert.equal((await admin.delete(`/api/v1/integrations/opcua/${source.id}`)).status, 404);
    const audit = await admin.get(`/api/v1/audit?entity_type=opcua_source&entity_id=${source.id}`);
    assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action).sort(), [
      "opcua_source.create",
      "opcua_source.delete",
      "opcua_source.update",
      "opcua_source.update",
      "opcua_source.update",
      "opcua_source.update",
    ]);
  });

  test("a value that is not a counter is a rejected event, and the feed carries on", async () => {
    const press = await startPress();
    const { machines } = await createLineWithMachines(t);
    const source = await newSource({
      endpoint_url: press.url,
      node_id: STATUS_NODE,
      kind: "machine_cycle_counter",
      machine_id: machines[0].id,
    });
    const [event] = await moreEvents(source.id, 0);
    assert.equal(event.status, "rejected");
    assert.match(event.error!, /must be a number, not String/);
    assert.equal(JSON.parse(event.payload).value, "running");
    const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(metrics, /hom_integration_errors_total\{channel="opcua",reason="not_a_number"\} 1/);
  });

  test("a server that does not answer: the source keeps trying, and closing HOM does not wait for it", async () => {
    const { machines } = await createLineWithMachines(t);
    const source = await newSource({
      endpoint_url: `opc.tcp://127.0.0.1:${await freePort()}`,
      node_id: MACHINE_NODE,
      kind: "machine_cycle_counter",
      machine_id: machines[0].id,
    });
    const second = await startRuntime(t.testEnv.config);
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few attempts in both instances
    const started = Date.now();
    await second.close();
    assert.ok(Date.now() - started < 3000, `closing took ${Date.now() - started} ms`);
    const waiting = await connection(source.id);
    assert.deepEqual([waiting.state, waiting.last_value], ["connecting", null]);
    assert.equal((await admin.delete(`/api/v1/integrations/opcua/${source.id}`)).status, 204);
  });

  test("bad source configuration is a 422, a second source on one node a 409; admins only", async () => {
    const { machines } = await createLineWithMachines(t);
    const tool = await newTool();
    const url = "opc.tcp://127.0.0.1:4840";
    const good = { endpoint_url: url, node_id: "ns=2;s=Press.MachineCycleCounter", kind: "machine_cycle_counter" };
    const before = (await admin.get("/api/v1/integrations/opcua?limit=500")).body.items.length;
    for (const [payload, field] of [
      [{ ...good, machine_id: machines[0].id, endpoint_url: "http://127.0.0.1:4840" }, "endpoint_url"],
      [{ ...good, machine_id: machines[0].id, endpoint_url: "opc.tcp://" }, "endpoint_url"],
      [{ ...good, machine_id: machines[0].id, endpoint_url: "opc.tcp://user:secret@plc:4840" }, "endpoint_url"],
      [{ ...good, machine_id: machines[0].id, endpoint_url: undefined }, "endpoint_url"],
      [{ ...good, machine_id: machines[0].id, node_id: "MachineCycleCounter" }, "node_id"],
      [{ ...good, machine_id: machines[0].id, node_id: "ns=1;i=-4" }, "node_id"],
      [{ ...good, machine_id: machines[0].id, node_id: "ns=1;i=4294967296" }, "node_id"],
      [{ ...good, machine_id: machines[0].id, node_id: "ns=1;s=" }, "node_id"],
      [{ ...good, machine_id: machines[0].id, node_id: "ns=70000;i=1" }, "node_id"],
      [{ ...good, machine_id: machines[0].id, node_id: "ns=1;g=not-a-guid" }, "node_id"],
      [{ ...good, machine_id: machines[0].id, kind: "spindle_counter" }, "kind"],
      [good, "machine_id"],
      [{ ...good, tool_id: tool }, "machine_id"],
      [{ ...good, machine_id: machines[0].id, tool_id: tool }, "tool_id"],
      [{ ...good, kind: "mould_lifetime_counter", machine_id: machines[0].id }, "tool_id"],
      [{ ...good, machine_id: "01a00000-0000-7000-8000-000000000000" }, "machine_id"],
      [{ ...good, kind: "mould_lifetime_counter", tool_id: "01a00000-0000-7000-8000-000000000000" }, "tool_id"],
      [{ ...good, machine_id: machines[0].id, active: "yes" }, "active"],
      [{ ...good, machine_id: machines[0].id, colour: "red" }, "colour"],
    ] as const) {
      const res = await admin.post("/api/v1/integrations/opcua", payload);
      assert.equal(res.status, 422, `${JSON.stringify(payload)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${field}: ${JSON.stringify(res.body)}`,
      );
    }
    assert.equal((await admin.get("/api/v1/integrations/opcua?limit=500")).body.items.length, before);

    // Paused, so nothing connects to the made-up address.
    const created = await newSource({ ...good, machine_id: machines[0].id, active: false });
    assert.equal(created.connection.state, "inactive");
    const again = await admin.post("/api/v1/integrations/opcua", {
      ...good,
      endpoint_url: "OPC.TCP://127.0.0.1:4840",
      machine_id: machines[0].id,
    });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    const patch = await admin.patch(`/api/v1/integrations/opcua/${created.id}`, { kind: "mould_lifetime_counter" });
    assert.equal(patch.status, 422);
    assert.deepEqual(patch.body.error.details.map((d: { field: string }) => d.field).sort(), ["machine_id", "tool_id"]);
    const switched = await admin.patch(`/api/v1/integrations/opcua/${created.id}`, {
      kind: "mould_lifetime_counter",
      machine_id: null,
      tool_id: tool,
    });
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    assert.deepEqual([switched.body.machine_id, switched.body.tool_id], [null, tool]);

    const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    assert.equal((await engineer.get("/api/v1/integrations/opcua")).status, 403);
    assert.equal(
      (await engineer.post("/api/v1/integrations/opcua", { ...good, machine_id: machines[0].id })).status,
      403,
    );
    assert.equal((await engineer.get("/api/v1/integrations/events")).status, 403);
    assert.equal((await admin.get("/api/v1/integrations/events?status=lost")).status, 422);
    assert.equal((await admin.get("/api/v1/integrations/opcua/no-such-id")).status, 404);
    await admin.delete(`/api/v1/integrations/opcua/${created.id}`);
  });

  test("HOM_OPCUA=false: sources are kept but nothing is subscribed", async () => {
    const off = await createTestApp(backend, { HOM_OPCUA: "false" });
    try {
      const { machines } = await createLineWithMachines(off);
      const res = await restClient(off.app, off.adminAuth).post("/api/v1/integrations/opcua", {
        endpoint_url: "opc.tcp://127.0.0.1:4840",
        node_id: MACHINE_NODE,
        kind: "machine_cycle_counter",
        machine_id: machines[0].id,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.connection.state, "disabled");
    } finally {
      await off.close();
    }
  });

  test("GraphQL: create, list, update and delete sources; bad input is BAD_USER_INPUT", async () => {
    const { machines } = await createLineWithMachines(t);
    const created = await graphql(
      t.app,
      `
        mutation ($input: CreateOpcuaSourceInput!) {
          createOpcuaSource(input: $input) {
            id
            endpointUrl
            nodeId
            kind
            machine {
              id
            }
            active
            connection {
              state
            }
          }
        }
      `,
      {
        input: {
          endpointUrl: "opc.tcp://127.0.0.1:4841",
          nodeId: "ns=1;i=1001",
          kind: "machine_cycle_counter",
          machineId: machines[0].id,
          active: false,
        },
      },
      t.adminAuth,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const source = created.body.data!.createOpcuaSource;
    assert.deepEqual(
      [source.kind, source.machine.id, source.active, source.connection.state],
      ["machine_cycle_counter", machines[0].id, false, "inactive"],
    );

    const list = await graphql(
      t.app,
      `
        {
          opcuaSources(first: 500, active: false) {
            edges {
              node {
                id
                nodeId
              }
            }
          }
          integrationEvents(first: 5) {
            edges {
              node {
                id
              }
            }
          }
        }
      `,
      {},
      t.adminAuth,
    );
    assert.ok(list.body.data!.opcuaSources.edges.some((e: { node: { id: string } }) => e.node.id === source.id));

    const updated = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          updateOpcuaSource(id: $id, input: { nodeId: "ns=1;i=1002" }) {
            nodeId
          }
        }
      `,
      { id: source.id },
      t.adminAuth,
    );
    assert.equal(updated.body.data!.updateOpcuaSource.nodeId, "ns=1;i=1002");

    const bad = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          updateOpcuaSource(id: $id, input: { endpointUrl: "tcp://plc" }) {
            id
          }
        }
      `,
      { id: source.id },
      t.adminAuth,
    );
    assert.equal(bad.body.errors![0].extensions.code, "BAD_USER_INPUT");
    assert.equal(bad.body.errors![0].extensions.details[0].field, "endpointUrl");

    const deleted = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          deleteOpcuaSource(id: $id) {
            id
          }
        }
      `,
      { id: source.id },
      t.adminAuth,
    );
    assert.equal(deleted.body.data!.deleteOpcuaSource.id, source.id);
    const gone = await graphql(
      t.app,
      `
        query ($id: ID!) {
          opcuaSource(id: $id) {
            id
          }
        }
      `,
      { id: source.id },
      t.adminAuth,
    );
    assert.equal(gone.body.errors![0].extensions.code, "NOT_FOUND");
  });
});
