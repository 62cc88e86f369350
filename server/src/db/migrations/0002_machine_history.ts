import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";
import { newId } from "../../ids.ts";

/**
 * Lines, machines, repairs, downtimes and their reason tree (SPEC §3–§5), and the bare
 * failure-code catalogue that repairs point at (the failures issue fills it out).
 */
export function machineHistory(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("lines")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("code", t.text, (c) => c.notNull())
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("description", t.text)
        .addColumn("status", t.text, (c) => c.notNull().defaultTo("running"))
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      // Codes are unique regardless of case: "L1" and "l1" are one line on the shop floor.
      await db.schema
        .createIndex("lines_code_key")
        .on("lines")
        .unique()
        .expression(sql`lower(code)`)
        .execute();

      await db.schema
        .createTable("machines")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("line_id", t.id, (c) => c.notNull().references("lines.id"))
        .addColumn("code", t.text, (c) => c.notNull())
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("asset_number", t.text)
        .addColumn("manufacturer", t.text)
        .addColumn("model", t.text)
        .addColumn("serial_number", t.text)
        .addColumn("type", t.text)
        .addColumn("status", t.text, (c) => c.notNull().defaultTo("operational"))
        // The status an ongoing unplanned downtime replaced with `down`, restored when it ends.
        .addColumn("status_before_down", t.text)
        .addColumn("retired_at", t.timestamp)
        .addColumn("notes", t.text)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("machines_code_key")
        .on("machines")
        .unique()
        .expression(sql`lower(code)`)
        .execute();
      await db.schema.createIndex("machines_line_idx").on("machines").columns(["line_id", "code"]).execute();

      await db.schema
        .createTable("failure_codes")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("code", t.text, (c) => c.notNull().unique())
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("category", t.text)
        .addColumn("default_severity", t.text)
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("downtime_reasons")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("parent_id", t.id, (c) => c.references("downtime_reasons.id"))
        .addColumn("code", t.text, (c) => c.notNull())
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("category", t.text, (c) => c.notNull())
        .addColumn("counts_as_failure", t.boolean, (c) => c.notNull())
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("sort_order", t.integer, (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("downtime_reasons_code_key")
        .on("downtime_reasons")
        .unique()
        .expression(sql`lower(code)`)
        .execute();
      await db.schema.createIndex("downtime_reasons_parent_idx").on("downtime_reasons").column("parent_id").execute();

      await db.schema
        .createTable("downtimes")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("machine_id", t.id, (c) => c.notNull().references("machines.id"))
        .addColumn("line_id", t.id, (c) => c.notNull().references("lines.id"))
        .addColumn("start_datetime", t.timestamp, (c) => c.notNull())
        .addColumn("end_datetime", t.timestamp)
        .addColumn("duration_minutes", t.real)
        .addColumn("category", t.text, (c) => c.notNull())
        .addColumn("reason_id", t.id, (c) => c.references("downtime_reasons.id"))
        .addColumn("note", t.text)
        .addColumn("source", t.text, (c) => c.notNull())
        // Kept in step with repairs.downtime_id by the services (one repair per downtime); no
        // foreign key because the two tables point at each other.
        .addColumn("repair_id", t.id)
        .addColumn("created_by", t.id, (c) => c.references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addColumn("deleted_at", t.timestamp)
        .execute();
      // KPI queries read a period by start (downtimes that begin inside it) and by end (those that
      // began before and reach into it), for one machine, one line or the plant.
      for (const scope of ["machine_id", "line_id"] as const) {
        for (const at of ["start_datetime", "end_datetime"] as const) {
          await db.schema
            .createIndex(`downtimes_${scope.replace("_id", "")}_${at.replace("_datetime", "")}_idx`)
            .on("downtimes")
            .columns([scope, at])
            .execute();
        }
      }
      await db.schema.createIndex("downtimes_start_idx").on("downtimes").column("start_datetime").execute();
      await db.schema.createIndex("downtimes_end_idx").on("downtimes").column("end_datetime").execute();
      // At most one ongoing downtime per machine, enforced by the database so concurrent starts cannot both win.
      await db.schema
        .createIndex("downtimes_one_ongoing_key")
        .on("downtimes")
        .column("machine_id")
        .unique()
        .where(sql.ref("end_datetime"), "is", null)
        .where(sql.ref("deleted_at"), "is", null)
        .execute();

      await db.schema
        .createTable("repairs")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("machine_id", t.id, (c) => c.notNull().references("machines.id"))
        .addColumn("line_id", t.id, (c) => c.notNull().references("lines.id"))
        .addColumn("kind", t.text, (c) => c.notNull())
        .addColumn("status", t.text, (c) => c.notNull())
        .addColumn("start_datetime", t.timestamp, (c) => c.notNull())
        .addColumn("end_datetime", t.timestamp)
        .addColumn("title", t.text, (c) => c.notNull())
        .addColumn("description", t.text)
        .addColumn("cause", t.text)
        .addColumn("actions_taken", t.text)
        .addColumn("parts_used", t.text)
        .addColumn("cost", t.money)
        .addColumn("failure_code_id", t.id, (c) => c.references("failure_codes.id"))
        .addColumn("downtime_id", t.id, (c) => c.references("downtimes.id").unique())
        .addColumn("performed_by", t.id, (c) => c.references("users.id"))
        .addColumn("created_by", t.id, (c) => c.references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("repairs_machine_idx")
        .on("repairs")
        .columns(["machine_id", "start_datetime"])
        .execute();
      await db.schema.createIndex("repairs_line_idx").on("repairs").columns(["line_id", "start_datetime"]).execute();
      await db.schema.createIndex("repairs_start_idx").on("repairs").column("start_datetime").execute();
      await db.schema.createIndex("repairs_status_idx").on("repairs").columns(["status", "start_datetime"]).execute();

      await seedDowntimeReasons(db);
    },
  };
}

type Category = "unplanned" | "planned" | "excluded";
type Seed = [code: string, name: string, category: Category, countsAsFailure: boolean, children?: [string, string][]];

/**
 * The default reason tree: short, named by what the operator sees at the press. Children take
 * their parent's category and failure flag. Admins edit it afterwards; this list is frozen
 * with the migration.
 */
const DEFAULT_REASONS: Seed[] = [
  [
    "BREAKDOWN",
    "Machine breakdown",
    "unplanned",
    true,
    [
      ["BREAKDOWN_HYDRAULIC", "Hydraulic (leak, pressure, pump)"],
      ["BREAKDOWN_ELECTRICAL", "Electrical or controls"],
      ["BREAKDOWN_HEATING", "Heating (barrel, heater bands)"],
      ["BREAKDOWN_MECHANICAL", "Mechanical (clamp, screw, drive)"],
      ["BREAKDOWN_AUTOMATION", "Robot or conveyor"],
    ],
  ],
  [
    "TOOL",
    "Mould / tool problem",
    "unplanned",
    true,
    [
      ["TOOL_EJECTION", "Part stuck or ejector problem"],
      ["TOOL_LEAK", "Water or oil leak at the mould"],
      ["TOOL_HOT_RUNNER", "Hot runner fault"],
      ["TOOL_DAMAGE", "Mould damaged"],
    ],
  ],
  [
    "MATERIAL",
    "Material shortage",
    "unplanned",
    false,
    [
      ["MATERIAL_EMPTY", "No material at the press"],
      ["MATERIAL_DRYING", "Material not dried"],
    ],
  ],
  ["NO_OPERATOR", "No operator", "unplanned", false],
  ["QUALITY", "Quality stop", "unplanned", false],
  [
    "UTILITIES",
    "Utilities",
    "unplanned",
    false,
    [
      ["UTILITIES_POWER", "Power outage"],
      ["UTILITIES_AIR", "Compressed air"],
      ["UTILITIES_COOLING", "Cooling water"],
    ],
  ],
  [
    "CHANGEOVER",
    "Changeover",
    "planned",
    false,
    [
      ["CHANGEOVER_MOULD", "Mould change"],
      ["CHANGEOVER_MATERIAL", "Material or colour change"],
    ],
  ],
  [
    "PLANNED_MAINTENANCE",
    "Planned maintenance",
    "planned",
    false,
    [
      ["PLANNED_MAINTENANCE_MACHINE", "Machine maintenance"],
      ["PLANNED_MAINTENANCE_TOOL", "Mould maintenance"],
    ],
  ],
  ["NOT_SCHEDULED", "No production scheduled", "excluded", false],
  // Unknown stops count as failures, as a downtime without a reason does (SPEC §6).
  ["OTHER", "Other", "unplanned", true],
];

async function seedDowntimeReasons(db: Kysely<unknown>): Promise<void> {
  const now = new Date().toISOString();
  const insert = (row: Record<string, unknown>) =>
    (db as Kysely<Record<string, Record<string, unknown>>>).insertInto("downtime_reasons").values(row).execute();
  let order = 0;
  for (const [code, name, category, countsAsFailure, children = []] of DEFAULT_REASONS) {
    const id = newId();
    const common = { category, counts_as_failure: countsAsFailure, active: true, created_at: now, updated_at: now };
    await insert({ id, parent_id: null, code, name, sort_order: (order += 10), ...common });
    for (const [childCode, childName] of children) {
      await insert({
        id: newId(),
        parent_id: id,
        code: childCode,
        name: childName,
        sort_order: (order += 10),
        ...common,
      });
    }
  }
}
