import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";
import { newId } from "../../ids.ts";

/**
 * Checklist templates with their versions, maintenance logs filled in on them, and the action
 * requests that failed steps and follow-up flags leave for the actions issue (SPEC §8). Seeds
 * the built-in templates for injection moulds.
 */
export function checklistsAndLogs(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("checklist_templates")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("version", t.integer, (c) => c.notNull())
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("builtin", t.boolean, (c) => c.notNull().defaultTo(t.false))
        .addColumn("created_by", t.id, (c) => c.references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("checklist_template_versions")
        .addColumn("template_id", t.id, (c) => c.notNull().references("checklist_templates.id"))
        .addColumn("version", t.integer, (c) => c.notNull())
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("description", t.text)
        .addColumn("applies_to", t.text, (c) => c.notNull())
        .addColumn("steps", t.json, (c) => c.notNull())
        .addColumn("created_by", t.id, (c) => c.references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint("checklist_template_versions_pkey", ["template_id", "version"])
        .execute();

      await db.schema
        .createTable("maintenance_logs")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("tool_id", t.id, (c) => c.references("tools.id"))
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("plan_id", t.id, (c) => c.references("maintenance_plans.id"))
        .addColumn("template_id", t.id)
        .addColumn("template_version", t.integer)
        .addColumn("kind", t.text, (c) => c.notNull())
        .addColumn("performed_by", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("performed_at", t.timestamp, (c) => c.notNull())
        .addColumn("duration_minutes", t.integer)
        .addColumn("shots_at", t.bigint)
        .addColumn("results", t.json, (c) => c.notNull())
        .addColumn("observations", t.text)
        .addColumn("spare_parts", t.json, (c) => c.notNull())
        .addColumn("cleaning_agents", t.text)
        .addColumn("follow_up_required", t.boolean, (c) => c.notNull().defaultTo(t.false))
        .addColumn("status", t.text, (c) => c.notNull())
        .addColumn("completed_at", t.timestamp)
        .addColumn("signed_by", t.id, (c) => c.references("users.id"))
        .addColumn("signed_at", t.timestamp)
        .addColumn("created_by", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addForeignKeyConstraint(
          "maintenance_logs_template_fkey",
          ["template_id", "template_version"],
          "checklist_template_versions",
          ["template_id", "version"],
        )
        .execute();
      // Lists and the history read a tool's or a machine's logs newest first.
      await db.schema
        .createIndex("maintenance_logs_tool_idx")
        .on("maintenance_logs")
        .columns(["tool_id", "performed_at"])
        .execute();
      await db.schema
        .createIndex("maintenance_logs_machine_idx")
        .on("maintenance_logs")
        .columns(["machine_id", "performed_at"])
        .execute();
      await db.schema
        .createIndex("maintenance_logs_performed_idx")
        .on("maintenance_logs")
        .column("performed_at")
        .execute();
      await db.schema.createIndex("maintenance_logs_plan_idx").on("maintenance_logs").column("plan_id").execute();
      // "Is this template version used?" decides between editing in place and a new version.
      await db.schema
        .createIndex("maintenance_logs_template_idx")
        .on("maintenance_logs")
        .columns(["template_id", "template_version"])
        .execute();

      await db.schema
        .createTable("maintenance_action_requests")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("maintenance_log_id", t.id, (c) => c.notNull().references("maintenance_logs.id"))
        .addColumn("reason", t.text, (c) => c.notNull())
        .addColumn("step_id", t.text)
        .addColumn("title", t.text, (c) => c.notNull())
        .addColumn("note", t.text)
        .addColumn("action_id", t.id)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("maintenance_action_requests_log_idx")
        .on("maintenance_action_requests")
        .column("maintenance_log_id")
        .execute();
      // The queue the actions issue drains: requests that have not become an action yet.
      await db.schema
        .createIndex("maintenance_action_requests_pending_idx")
        .on("maintenance_action_requests")
        .column("created_at")
        .where(sql.ref("action_id"), "is", null)
        .execute();

      await seedTemplates(db);
    },
  };
}

type Kind = "check" | "pass_fail" | "number" | "text" | "photo";
interface SeedStep {
  id: string;
  text: string;
  kind: Kind;
  required?: boolean;
  unit?: string;
  min?: number;
  max?: number;
  guidance?: string;
}

/**
 * The built-in templates for injection moulds, frozen with this migration. Engineers adapt
 * them afterwards (limits to the part drawing, plant-specific agents); editing a used one
 * makes a new version, so logs filled in on these keep their wording.
 */
const BUILTIN_TEMPLATES: { name: string; description: string; steps: SeedStep[] }[] = [
  {
    name: "Post-run inspection and cleaning",
    description:
      "After every production run, before the mould goes to storage or the next job: look at the moulding " +
      "surfaces, clean them, flush the cooling and care for the ejector side.",
    steps: [
      {
        id: "cavities-visual",
        text: "Cavities: no nicks, wear, gas burns, deposits or corrosion",
        kind: "pass_fail",
        guidance:
          "Use a lamp and look along the parting line edges and around vents; dark deposits near the end of " +
          "fill point to trapped gas. Record damage with a photo.",
      },
      {
        id: "cores-visual",
        text: "Cores and inserts: no scoring, cracks or loose inserts",
        kind: "pass_fail",
      },
      {
        id: "runners-gates",
        text: "Runners and gates: free of blockage, wear and leftover material",
        kind: "pass_fail",
        guidance:
          "Hot runner: nozzle tips without drool or leaks. Cold runner: sprue bush seat undamaged, no frozen " +
          "slug left in the runner.",
      },
      {
        id: "parting-line",
        text: "Parting line and vents: no flash marks, build-up or damage; vents open",
        kind: "pass_fail",
      },
      {
        id: "cleaning-done",
        text: "Cavities, cores, parting line and vents cleaned and wiped dry",
        kind: "check",
        guidance: "No cleaner may stay in vents or ejector bores: blow them out with dry air.",
      },
      {
        id: "cleaning-agent",
        text: "Cleaning agent used (product name)",
        kind: "text",
        guidance: "Only agents approved for the mould steel and coating; name the product as on the can.",
      },
      {
        id: "cleaning-time",
        text: "Time spent cleaning",
        kind: "number",
        unit: "min",
        min: 0,
        max: 480,
      },
      {
        id: "cooling-flush",
        text: "Cooling channels flushed, circuit by circuit",
        kind: "check",
        guidance: "Flush each circuit separately so a blocked one cannot hide behind an open one.",
      },
      {
        id: "cooling-flow",
        text: "Flow of the weakest cooling circuit",
        kind: "number",
        unit: "l/min",
        min: 4,
        guidance: "Set the limit to the mould card; a circuit well below its usual flow is scaled or blocked.",
      },
      {
        id: "cooling-delta-t",
        text: "Temperature difference between cooling inlet and outlet",
        kind: "number",
        unit: "°C",
        min: 0,
        max: 5,
        guidance: "A larger difference means too little flow or scale in the channels: plan a descaling.",
      },
      {
        id: "cooling-leaks",
        text: "No leaks at cooling connections, plugs and O-rings under pressure",
        kind: "pass_fail",
      },
      {
        id: "ejectors",
        text: "Ejector pins, sleeves and plate move freely and return fully; none bent or galling",
        kind: "pass_fail",
      },
      {
        id: "lubrication",
        text: "Lubrication points greased: ejector pins, guide pins, slides and lifters; excess wiped off",
        kind: "check",
        guidance: "Use the grease named on the mould card; surplus grease ends up on the parts.",
      },
      { id: "photo-cavity-side", text: "Photo of the cavity side after cleaning", kind: "photo", required: false },
      { id: "remarks", text: "Wear or damage to watch at the next run", kind: "text", required: false },
    ],
  },
  {
    name: "Dimensional and functional check",
    description:
      "Checks that the mould still makes good parts and works as designed: critical dimensions against their " +
      "limits, surfaces, guiding and sensors.",
    steps: [
      {
        id: "sample-parts",
        text: "Last-shot parts kept and labelled with the mould and shot count",
        kind: "check",
      },
      {
        id: "dimension-1",
        text: "Critical dimension 1: deviation from nominal",
        kind: "number",
        unit: "mm",
        min: -0.05,
        max: 0.05,
        guidance: "Measure on a last-shot part; set the limits to the drawing tolerance of this part family.",
      },
      {
        id: "dimension-2",
        text: "Critical dimension 2: deviation from nominal",
        kind: "number",
        unit: "mm",
        min: -0.05,
        max: 0.05,
        required: false,
      },
      {
        id: "part-defects",
        text: "Parts free of flash, sink marks, short shots and burns",
        kind: "pass_fail",
      },
      {
        id: "surface-condition",
        text: "Moulding surfaces: polish or texture intact, no dull spots, stains or rust",
        kind: "pass_fail",
      },
      {
        id: "guide-elements",
        text: "Guide pins and bushings: no scoring, lubricated, no noticeable play",
        kind: "pass_fail",
      },
      {
        id: "guide-play",
        text: "Largest play between guide pin and bushing",
        kind: "number",
        unit: "mm",
        min: 0,
        max: 0.03,
        required: false,
      },
      {
        id: "slides-lifters",
        text: "Slides and lifters move smoothly and lock in position; wear plates intact",
        kind: "pass_fail",
        required: false,
        guidance: "Leave empty for moulds without slides or lifters.",
      },
      {
        id: "sensors",
        text: "Sensors and wiring: thermocouples, heaters, pressure and end-position sensors read plausibly",
        kind: "pass_fail",
        guidance: "Compare each zone's reading with the others at the same set point; check plugs and cables.",
      },
      {
        id: "counter",
        text: "Mould counter readable and in line with the recorded shots",
        kind: "check",
        required: false,
      },
      { id: "findings", text: "Findings", kind: "text", required: false },
    ],
  },
  {
    name: "Storage and preservation",
    description: "Prepares a mould for storage so that it comes back ready to run: dry, protected and findable.",
    steps: [
      {
        id: "dry",
        text: "Mould clean and dry; cooling channels blown out with air",
        kind: "check",
        guidance: "Water left in the channels corrodes them from the inside.",
      },
      {
        id: "rust-inhibitor",
        text: "Rust inhibitor applied to moulding surfaces, parting line and guide elements",
        kind: "check",
      },
      { id: "inhibitor-product", text: "Rust inhibitor used (product name)", kind: "text" },
      {
        id: "closed-secured",
        text: "Mould closed with its safety strap fitted; water and hot-runner connections capped",
        kind: "check",
      },
      {
        id: "reference-part",
        text: "Last good part stored with the mould as reference",
        kind: "check",
        required: false,
      },
      {
        id: "storage-location",
        text: "Storage location (rack and position)",
        kind: "text",
        guidance: "Also set the tool's location in HOM so others can find it.",
      },
      {
        id: "labels",
        text: "Labels present and readable: asset number, status, preservation date",
        kind: "pass_fail",
      },
      {
        id: "storage-humidity",
        text: "Relative humidity in the storage area",
        kind: "number",
        unit: "%",
        min: 0,
        max: 60,
        required: false,
      },
      { id: "photo-stored", text: "Photo of the mould in its place", kind: "photo", required: false },
    ],
  },
];

async function seedTemplates(db: Kysely<unknown>): Promise<void> {
  const now = new Date().toISOString();
  const insert = (table: string, row: Record<string, unknown>) =>
    (db as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(row).execute();
  for (const template of BUILTIN_TEMPLATES) {
    const id = newId();
    await insert("checklist_templates", {
      id,
      version: 1,
      active: true,
      builtin: true,
      created_by: null,
      created_at: now,
      updated_at: now,
    });
    const steps = template.steps.map((s) => ({
      id: s.id,
      text: s.text,
      kind: s.kind,
      required: s.required ?? true,
      unit: s.unit ?? null,
      min: s.min ?? null,
      max: s.max ?? null,
      guidance: s.guidance ?? null,
    }));
    await insert("checklist_template_versions", {
      template_id: id,
      version: 1,
      name: template.name,
      description: template.description,
      applies_to: "tool",
      steps: JSON.stringify(steps),
      created_by: null,
      created_at: now,
      updated_at: now,
    });
  }
}
