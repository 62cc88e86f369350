import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, createTestApp, forEachBackend, graphql, restClient, type TestApp } from "./helpers.ts";

interface Step {
  id: string;
  text: string;
  kind: string;
  required: boolean;
  unit: string | null;
  min: number | null;
  max: number | null;
}

const BUILTIN = ["Dimensional and functional check", "Post-run inspection and cleaning", "Storage and preservation"];

let counter = 0;

forEachBackend("checklist templates", (backend) => {
  let t: TestApp;
  let admin: ReturnType<typeof restClient>;
  let engineer: ReturnType<typeof restClient>;
  let technician: ReturnType<typeof restClient>;
  let engineerAuth: Record<string, string>;
  before(async () => {
    t = await createTestApp(backend);
    admin = restClient(t.app, t.adminAuth);
    engineerAuth = (await t.userWithRole("engineer")).auth;
    engineer = restClient(t.app, engineerAuth);
    technician = restClient(t.app, (await t.userWithRole("technician")).auth);
  });
  after(() => t.close());

  const steps = () => [
    { id: "clean", text: "Clean the cavities", kind: "check" },
    { id: "delta-t", text: "Cooling ΔT", kind: "number", unit: "°C", min: 0, max: 5 },
    { text: "Remarks", kind: "text", required: false },
  ];
  const newTemplate = async (extra: Record<string, unknown> = {}) => {
    const res = await engineer.post("/api/v1/checklist-templates", {
      name: `Press-side check ${++counter}`,
      applies_to: "tool",
      steps: steps(),
      ...extra,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; version: number; steps: Step[] };
  };
  const newTool = async () => {
    const res = await admin.post("/api/v1/tools", { asset_number: `CK-${++counter}`, name: "Mould", cavity_count: 2 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };

  test("the built-in mould templates ship with the database", async () => {
    const list = await technician.get("/api/v1/checklist-templates?applies_to=tool&limit=500");
    assert.equal(list.status, 200);
    const builtins = list.body.items.filter((x: { builtin: boolean }) => x.builtin);
    assert.deepEqual(builtins.map((x: { name: string }) => x.name).sort(), BUILTIN);
    for (const template of builtins) {
      assert.equal(template.version, 1);
      assert.equal(template.applies_to, "tool");
      assert.ok(template.steps.length >= 5);
      const ids = template.steps.map((s: Step) => s.id);
      assert.equal(new Set(ids).size, ids.length, "step ids are unique");
    }
    const postRun = builtins.find((x: { name: string }) => x.name === BUILTIN[1]);
    const kinds = new Set(postRun.steps.map((s: Step) => s.kind));
    for (const kind of ["check", "pass_fail", "number", "text", "photo"]) assert.ok(kinds.has(kind), kind);
    const deltaT = postRun.steps.find((s: Step) => s.id === "cooling-delta-t");
    assert.deepEqual([deltaT.unit, deltaT.min, deltaT.max], ["°C", 0, 5]);
    // Machine templates: none built in (the built-ins are for moulds).
    const machine = await technician.get("/api/v1/checklist-templates?applies_to=machine");
    assert.ok(machine.body.items.every((x: { applies_to: string }) => x.applies_to !== "tool"));
  });

  test("engineers create templates: steps get ids, defaults and their limits; others may only read", async () => {
    const audits = await auditCount(t.runtime, "checklist_template.create");
    const created = await newTemplate({ description: "For the small presses" });
    assert.equal(created.version, 1);
    assert.deepEqual(
      created.steps.map((s) => [s.id.length > 0, s.kind, s.required, s.unit, s.min, s.max]),
      [
        [true, "check", true, null, null, null],
        [true, "number", true, "°C", 0, 5],
        [true, "text", false, null, null, null],
      ],
    );
    assert.deepEqual(
      created.steps.slice(0, 2).map((s) => s.id),
      ["clean", "delta-t"],
    );
    assert.equal(await auditCount(t.runtime, "checklist_template.create"), audits + 1);
    const read = await technician.get(`/api/v1/checklist-templates/${created.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.steps, created.steps);
    assert.equal((await technician.post("/api/v1/checklist-templates", { name: "x", steps: steps() })).status, 403);
    assert.equal((await technician.patch(`/api/v1/checklist-templates/${created.id}`, { name: "x" })).status, 403);
    assert.equal((await restClient(t.app, {}).get("/api/v1/checklist-templates")).status, 401);
  });

  test("bad templates are 422s with the step's field, and nothing is stored", async () => {
    const before = await auditCount(t.runtime, "checklist_template.create");
    const cases: [unknown, string][] = [
      [[{ text: "Gap", kind: "number", min: 5, max: 1 }], "steps.0.max"],
      [[{ text: "Clean", kind: "check", unit: "mm" }], "steps.0.unit"],
      [[{ text: "Clean", kind: "pass_fail", min: 1 }], "steps.0.min"],
      [
        [
          { id: "a", text: "One", kind: "check" },
          { id: "a", text: "Two", kind: "check" },
        ],
        "steps.1.id",
      ],
      [[], "steps"],
      [Array.from({ length: 201 }, (_, i) => ({ text: `Step ${i}`, kind: "check" })), "steps"],
      [[{ text: "Clean", kind: "polish" }], "steps.0.kind"],
      [[{ text: "", kind: "check" }], "steps.0.text"],
      [[{ id: "bad id!", text: "Clean", kind: "check" }], "steps.0.id"],
      [[{ text: "Clean", kind: "check", colour: "red" }], "steps.0.colour"],
    ];
    for (const [body, field] of cases) {
      const res = await engineer.post("/api/v1/checklist-templates", { name: "Bad", steps: body });
      assert.equal(res.status, 422, `${field}: ${res.status}`);
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `${field}: ${JSON.stringify(res.body.error.details)}`,
      );
    }
    const noName = await engineer.post("/api/v1/checklist-templates", { steps: steps() });
    assert.equal(noName.status, 422);
    const wrongSubject = await engineer.post("/api/v1/checklist-templates", {
      name: "x",
      applies_to: "line",
      steps: steps(),
    });
    assert.equal(wrongSubject.status, 422);
    assert.equal(await auditCount(t.runtime, "checklist_template.create"), before);
    const template = await newTemplate();
    const badEdit = await engineer.patch(`/api/v1/checklist-templates/${template.id}`, {
      steps: [{ id: "x", text: "Gap", kind: "number", min: 3, max: 2 }],
    });
    assert.equal(badEdit.status, 422);
    assert.equal((await engineer.get(`/api/v1/checklist-templates/${template.id}`)).body.steps.length, 3);
    assert.equal((await engineer.get("/api/v1/checklist-templates/01a00000-0000-7000-8000-000000000000")).status, 404);
  });

  test("an unused template is edited in place; a used one gets a new version and the old one stays", async () => {
    const template = await newTemplate();
    const url = `/api/v1/checklist-templates/${template.id}`;
    const inPlace = await engineer.patch(url, { name: "Renamed before first use" });
    assert.equal(inPlace.status, 200, JSON.stringify(inPlace.body));
    assert.deepEqual([inPlace.body.version, inPlace.body.latest_version], [1, 1]);
    assert.equal(await auditCount(t.runtime, "checklist_template.new_version"), 0);

    const tool = await newTool();
    const log = await technician.post("/api/v1/maintenance-logs", {
      tool_id: tool,
      kind: "post_run_inspection",
      template_id: template.id,
      results: [{ step_id: "clean", value: true }],
    });
    assert.equal(log.status, 201, JSON.stringify(log.body));
    assert.equal(log.body.template_version, 1);

    // Same content again: no new version.
    const same = await engineer.patch(url, { name: "Renamed before first use", active: true });
    assert.equal(same.body.version, 1);

    const edited = await engineer.patch(url, {
      steps: [
        { id: "clean", text: "Clean cavities and vents", kind: "check" },
        { id: "delta-t", text: "Cooling ΔT", kind: "number", unit: "°C", min: 0, max: 3 },
        { id: "flow", text: "Cooling flow", kind: "number", unit: "l/min", min: 4 },
      ],
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual([edited.body.version, edited.body.latest_version], [2, 2]);
    assert.equal(edited.body.name, "Renamed before first use");
    assert.equal(await auditCount(t.runtime, "checklist_template.new_version"), 1);

    const v1 = await technician.get(`${url}?version=1`);
    assert.equal(v1.status, 200);
    assert.deepEqual([v1.body.version, v1.body.latest_version, v1.body.steps.length], [1, 2, 3]);
    assert.equal(v1.body.steps[0].text, "Clean the cavities");
    assert.equal((await technician.get(url)).body.steps[0].text, "Clean cavities and vents");
    assert.equal((await technician.get(`${url}?version=3`)).status, 404);
    const versions = await technician.get(`${url}/versions`);
    assert.deepEqual(
      versions.body.items.map((v: { version: number }) => v.version),
      [2, 1],
    );

    // The old log still reads its own version.
    const oldLog = await graphql(
      t.app,
      `
        query ($id: ID!) {
          maintenanceLog(id: $id) {
            templateVersion
            template {
              version
              steps {
                id
                text
              }
            }
          }
        }
      `,
      { id: log.body.id },
      engineerAuth,
    );
    assert.deepEqual(oldLog.body.errors, undefined);
    assert.equal(oldLog.body.data!.maintenanceLog.templateVersion, 1);
    assert.equal(oldLog.body.data!.maintenanceLog.template.version, 1);
    assert.equal(oldLog.body.data!.maintenanceLog.template.steps[0].text, "Clean the cavities");

    // Version 2 is unused: the next edit stays in it. Deactivating is no new version either.
    const again = await engineer.patch(url, { description: "Now with flow", active: false });
    assert.deepEqual([again.body.version, again.body.active], [2, false]);
    const listed = await technician.get("/api/v1/checklist-templates?limit=500");
    assert.ok(!listed.body.items.some((x: { id: string }) => x.id === template.id), "inactive templates are hidden");
    const all = await technician.get("/api/v1/checklist-templates?include_inactive=true&limit=500");
    assert.ok(all.body.items.some((x: { id: string }) => x.id === template.id));
  });

  test("GraphQL: create, edit, list and read a version; errors name camelCase fields", async () => {
    const created = await graphql(
      t.app,
      `
        mutation ($input: CreateChecklistTemplateInput!) {
          createChecklistTemplate(input: $input) {
            id
            version
            appliesTo
            builtin
            steps {
              id
              kind
              required
              unit
              min
              max
            }
          }
        }
      `,
      {
        input: {
          name: `GraphQL check ${++counter}`,
          appliesTo: "machine",
          steps: [
            { id: "oil", text: "Hydraulic oil level", kind: "pass_fail" },
            { id: "temp", text: "Oil temperature", kind: "number", unit: "°C", min: 30, max: 55 },
          ],
        },
      },
      engineerAuth,
    );
    assert.deepEqual(created.body.errors, undefined);
    const template = created.body.data!.createChecklistTemplate;
    assert.deepEqual([template.version, template.appliesTo, template.builtin], [1, "machine", false]);
    assert.deepEqual(template.steps[1], { id: "temp", kind: "number", required: true, unit: "°C", min: 30, max: 55 });

    const updated = await graphql(
      t.app,
      `
        mutation ($id: ID!, $input: UpdateChecklistTemplateInput!) {
          updateChecklistTemplate(id: $id, input: $input) {
            version
            name
            steps {
              id
            }
          }
        }
      `,
      {
        id: template.id,
        input: { name: "Press hydraulics", steps: [{ id: "oil", text: "Oil level", kind: "check" }] },
      },
      engineerAuth,
    );
    assert.deepEqual(updated.body.errors, undefined);
    assert.deepEqual(updated.body.data!.updateChecklistTemplate, {
      version: 1,
      name: "Press hydraulics",
      steps: [{ id: "oil" }],
    });

    const list = await graphql(
      t.app,
      `
        {
          checklistTemplates(appliesTo: machine, first: 100) {
            edges {
              node {
                id
                name
                latestVersion
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      `,
      {},
      engineerAuth,
    );
    const names = list.body.data!.checklistTemplates.edges.map((e: { node: { name: string } }) => e.node.name);
    assert.ok(names.includes("Press hydraulics"));
    assert.ok(!names.includes(BUILTIN[1]), "mould templates are not offered for machines");

    const one = await graphql(
      t.app,
      `
        query ($id: ID!) {
          checklistTemplate(id: $id, version: 1) {
            version
            versions {
              version
              name
            }
          }
        }
      `,
      { id: template.id },
      engineerAuth,
    );
    assert.deepEqual(one.body.data!.checklistTemplate, {
      version: 1,
      versions: [{ version: 1, name: "Press hydraulics" }],
    });

    const bad = await graphql(
      t.app,
      `
        mutation ($input: CreateChecklistTemplateInput!) {
          createChecklistTemplate(input: $input) {
            id
          }
        }
      `,
      { input: { name: "Bad", steps: [{ text: "Gap", kind: "number", min: 2, max: 1 }] } },
      engineerAuth,
    );
    assert.equal(bad.body.errors?.[0].extensions.code, "BAD_USER_INPUT");
    assert.equal(bad.body.errors?.[0].extensions.details[0].field, "steps.0.max");

    const technicianAuth = (await t.userWithRole("technician")).auth;
    const denied = await graphql(
      t.app,
      `
        mutation ($id: ID!) {
          updateChecklistTemplate(id: $id, input: { name: "x" }) {
            id
          }
        }
      `,
      { id: template.id },
      technicianAuth,
    );
    assert.equal(denied.body.errors?.[0].extensions.code, "FORBIDDEN");
  });
});
