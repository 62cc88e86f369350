import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";
import { newId } from "../../ids.ts";

/**
 * Failure reports from the code catalogue, corrective actions, the in-app inbox and the e-mail
 * outbox (SPEC §9). Extends `failure_codes` (0002) with a description and seeds the catalogue
 * with the usual moulding and machine failures. Depends on 0001–0005 only.
 */
export function failuresAndActions(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Nullable, so rows made before this migration stay valid.
      await db.schema.alterTable("failure_codes").addColumn("description", t.text).execute();
      await db.schema
        .createIndex("failure_codes_category_idx")
        .on("failure_codes")
        .columns(["category", "code"])
        .execute();

      await db.schema
        .createTable("failure_reports")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("tool_id", t.id, (c) => c.references("tools.id"))
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("failure_code_id", t.id, (c) => c.notNull().references("failure_codes.id"))
        .addColumn("severity", t.text, (c) => c.notNull())
        .addColumn("occurred_at", t.timestamp, (c) => c.notNull())
        .addColumn("description", t.text)
        .addColumn("affected_components", t.json, (c) => c.notNull())
        .addColumn("impacted_part_numbers", t.json, (c) => c.notNull())
        .addColumn("containment_action", t.text)
        .addColumn("root_cause", t.text)
        .addColumn("root_cause_category", t.text)
        .addColumn("status", t.text, (c) => c.notNull())
        .addColumn("shots_at", t.bigint)
        .addColumn("reported_by", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("closed_at", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("failure_reports_occurred_idx").on("failure_reports").column("occurred_at").execute();
      await db.schema
        .createIndex("failure_reports_tool_idx")
        .on("failure_reports")
        .columns(["tool_id", "occurred_at"])
        .execute();
      await db.schema
        .createIndex("failure_reports_machine_idx")
        .on("failure_reports")
        .columns(["machine_id", "occurred_at"])
        .execute();
      await db.schema
        .createIndex("failure_reports_code_idx")
        .on("failure_reports")
        .columns(["failure_code_id", "occurred_at"])
        .execute();

      await db.schema
        .createTable("actions")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("title", t.text, (c) => c.notNull())
        .addColumn("description", t.text)
        .addColumn("kind", t.text, (c) => c.notNull())
        .addColumn("priority", t.text, (c) => c.notNull())
        .addColumn("assignee_id", t.id, (c) => c.references("users.id"))
        .addColumn("due_date", t.text)
        .addColumn("status", t.text, (c) => c.notNull())
        .addColumn("started_at", t.timestamp)
        .addColumn("completed_at", t.timestamp)
        .addColumn("completed_by", t.id, (c) => c.references("users.id"))
        .addColumn("completion_note", t.text)
        .addColumn("verified_at", t.timestamp)
        .addColumn("verified_by", t.id, (c) => c.references("users.id"))
        .addColumn("cancelled_at", t.timestamp)
        .addColumn("failure_report_id", t.id, (c) => c.references("failure_reports.id"))
        .addColumn("tool_id", t.id, (c) => c.references("tools.id"))
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("repair_id", t.id, (c) => c.references("repairs.id"))
        .addColumn("maintenance_log_id", t.id, (c) => c.references("maintenance_logs.id"))
        .addColumn("plan_id", t.id, (c) => c.references("maintenance_plans.id"))
        // The plan interval (its last_done_at) an automatic plan action was opened for.
        .addColumn("plan_cycle", t.timestamp)
        .addColumn("created_by", t.id, (c) => c.references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("actions_created_idx").on("actions").columns(["created_at", "id"]).execute();
      await db.schema.createIndex("actions_assignee_idx").on("actions").columns(["assignee_id", "status"]).execute();
      await db.schema.createIndex("actions_due_idx").on("actions").columns(["status", "due_date"]).execute();
      for (const column of ["failure_report_id", "tool_id", "machine_id", "repair_id", "maintenance_log_id"]) {
        await db.schema
          .createIndex(`actions_${column.replace(/_id$/, "")}_idx`)
          .on("actions")
          .column(column)
          .execute();
      }
      // One automatic action per plan and interval: concurrent plan evaluations cannot open two.
      await db.schema
        .createIndex("actions_plan_cycle_idx")
        .on("actions")
        .columns(["plan_id", "plan_cycle"])
        .unique()
        .execute();

      await db.schema
        .createTable("notifications")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("user_id", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("kind", t.text, (c) => c.notNull())
        .addColumn("title", t.text, (c) => c.notNull())
        .addColumn("body", t.text)
        .addColumn("entity_type", t.text)
        .addColumn("entity_id", t.id)
        // Reminders are sent once per action and due date, however many instances check.
        .addColumn("dedupe_key", t.text, (c) => c.unique())
        .addColumn("read_at", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("notifications_user_idx")
        .on("notifications")
        .columns(["user_id", "created_at", "id"])
        .execute();
      await db.schema
        .createIndex("notifications_unread_idx")
        .on("notifications")
        .columns(["user_id", "created_at", "id"])
        .where(sql.ref("read_at"), "is", null)
        .execute();

      await db.schema
        .createTable("notification_preferences")
        .addColumn("user_id", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("kind", t.text, (c) => c.notNull())
        .addColumn("email", t.boolean, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint("notification_preferences_pkey", ["user_id", "kind"])
        .execute();

      await db.schema
        .createTable("email_outbox")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("notification_id", t.id, (c) => c.references("notifications.id"))
        .addColumn("to_address", t.text, (c) => c.notNull())
        .addColumn("subject", t.text, (c) => c.notNull())
        .addColumn("body", t.text, (c) => c.notNull())
        .addColumn("status", t.text, (c) => c.notNull())
        .addColumn("attempts", t.integer, (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", t.timestamp, (c) => c.notNull())
        .addColumn("last_error", t.text)
        .addColumn("sent_at", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .execute();
      // The sender's queue: what is still to be sent, soonest first.
      await db.schema
        .createIndex("email_outbox_pending_idx")
        .on("email_outbox")
        .column("next_attempt_at")
        .where(sql.ref("status"), "=", "pending")
        .execute();

      await seedFailureCodes(db);
    },
  };
}

type Severity = "low" | "medium" | "high" | "critical";

/**
 * The starting catalogue, frozen with this migration: codes grouped by category (FL = mould,
 * FM = machine), each with the severity a report starts from. Plants rename, add and retire
 * codes afterwards; a code already present (made before this migration) is left alone.
 */
// prettier-ignore
export const SEED_FAILURE_CODES: { code: string; name: string; category: string; severity: Severity; description: string }[] =
  [
    // Mould: cooling and temperature
    { code: "FL-001", name: "Cooling issue", category: "mould_cooling", severity: "high", description: "Too little flow, blocked or scaled channel, uneven mould temperature" },
    { code: "FL-002", name: "Cooling leak", category: "mould_cooling", severity: "high", description: "Water leaking at connections, plugs, O-rings or into the cavity" },
    { code: "FL-003", name: "Hot-runner leak", category: "mould_hot_runner", severity: "critical", description: "Melt leaking at nozzles or the manifold" },
    { code: "FL-004", name: "Hot-runner heater or thermocouple fault", category: "mould_hot_runner", severity: "high", description: "Zone does not heat or reads implausibly" },
    { code: "FL-005", name: "Gate wear", category: "mould_hot_runner", severity: "medium", description: "Worn gate or nozzle tip: gate vestige, stringing, drool" },
    // Mould: part defects
    { code: "FL-010", name: "Flash", category: "part_defect", severity: "medium", description: "Material escaping at the parting line, vents or ejectors" },
    { code: "FL-011", name: "Short shot", category: "part_defect", severity: "medium", description: "Cavity not filled completely" },
    { code: "FL-012", name: "Sink marks", category: "part_defect", severity: "low", description: "Depressions over thick sections" },
    { code: "FL-013", name: "Burn marks", category: "part_defect", severity: "medium", description: "Dark marks from trapped, compressed gas" },
    { code: "FL-014", name: "Dimensional drift", category: "part_defect", severity: "high", description: "Critical dimensions moving out of tolerance" },
    { code: "FL-015", name: "Warpage", category: "part_defect", severity: "medium", description: "Parts bending or twisting after ejection" },
    { code: "FL-016", name: "Sticking parts", category: "part_defect", severity: "medium", description: "Parts or sprues stay in the cavity or on the core" },
    // Mould: mechanics and surface
    { code: "FL-020", name: "Ejector jam", category: "mould_mechanics", severity: "high", description: "Ejector pins, sleeves or plate stuck, bent or galling" },
    { code: "FL-021", name: "Guide pin wear", category: "mould_mechanics", severity: "medium", description: "Scoring or play on guide pins and bushings" },
    { code: "FL-022", name: "Cracked insert", category: "mould_mechanics", severity: "critical", description: "Crack in an insert, core or cavity steel" },
    { code: "FL-023", name: "Slide or lifter fault", category: "mould_mechanics", severity: "high", description: "Slide or lifter binding, not locking or worn" },
    { code: "FL-024", name: "Blocked venting", category: "mould_surface", severity: "medium", description: "Vents clogged by deposits: burns, short shots" },
    { code: "FL-025", name: "Corrosion", category: "mould_surface", severity: "medium", description: "Rust or pitting on moulding surfaces or in channels" },
    { code: "FL-026", name: "Surface damage", category: "mould_surface", severity: "medium", description: "Nicks, scratches or worn polish or texture on moulding surfaces" },
    { code: "FL-027", name: "Parting line damage", category: "mould_surface", severity: "high", description: "Hobbed or damaged parting line edges" },
    { code: "FL-030", name: "Sensor fault", category: "mould_sensors", severity: "medium", description: "Cavity pressure, temperature or end-position sensor failing" },
    { code: "FL-031", name: "Mould counter fault", category: "mould_sensors", severity: "low", description: "Mould counter unreadable or not counting" },
    // Machine
    { code: "FM-001", name: "Hydraulic leak", category: "machine_hydraulic", severity: "high", description: "Oil leaking at hoses, seals or valves" },
    { code: "FM-002", name: "Hydraulic pressure loss", category: "machine_hydraulic", severity: "high", description: "Pump, valve or accumulator not holding pressure" },
    { code: "FM-003", name: "Oil overheating", category: "machine_hydraulic", severity: "medium", description: "Hydraulic oil temperature too high; cooler or filter problem" },
    { code: "FM-010", name: "Electrical fault", category: "machine_electrical", severity: "high", description: "Power supply, drive, contactor or wiring fault" },
    { code: "FM-011", name: "Control or PLC fault", category: "machine_electrical", severity: "high", description: "Control crashes, I/O failure, communication loss" },
    { code: "FM-012", name: "Heater band failure", category: "machine_electrical", severity: "high", description: "Barrel heater band or thermocouple failed" },
    { code: "FM-020", name: "Screw or barrel wear", category: "machine_injection", severity: "high", description: "Worn screw flights, barrel or check ring: unstable cushion, long recovery" },
    { code: "FM-021", name: "Nozzle leak or blockage", category: "machine_injection", severity: "medium", description: "Machine nozzle drooling, leaking or frozen" },
    { code: "FM-022", name: "Hopper or feeding problem", category: "machine_injection", severity: "medium", description: "Material bridging, dryer or loader fault" },
    { code: "FM-030", name: "Clamp or toggle fault", category: "machine_clamp", severity: "high", description: "Clamp force not reached, toggle wear, tie-bar problem" },
    { code: "FM-031", name: "Ejector unit fault", category: "machine_clamp", severity: "medium", description: "Machine ejector not moving or positioning" },
    { code: "FM-040", name: "Safety gate fault", category: "machine_safety", severity: "critical", description: "Safety gate switch, interlock or light curtain failing" },
    { code: "FM-041", name: "Emergency stop fault", category: "machine_safety", severity: "critical", description: "Emergency stop circuit failing or tripping without cause" },
    { code: "FM-050", name: "Temperature control unit fault", category: "machine_peripherals", severity: "medium", description: "Mould temperature controller or chiller failing" },
    { code: "FM-051", name: "Robot or take-out fault", category: "machine_peripherals", severity: "medium", description: "Sprue picker or robot failing to remove parts" },
  ];

async function seedFailureCodes(db: Kysely<unknown>): Promise<void> {
  const now = new Date().toISOString();
  const typed = db as Kysely<Record<string, Record<string, unknown>>>;
  const existing = new Set(
    (await typed.selectFrom("failure_codes").select("code").execute()).map((r) => String(r.code).toUpperCase()),
  );
  for (const c of SEED_FAILURE_CODES) {
    if (existing.has(c.code)) continue;
    await typed
      .insertInto("failure_codes")
      .values({
        id: newId(),
        code: c.code,
        name: c.name,
        description: c.description,
        category: c.category,
        default_severity: c.severity,
        active: true,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
}
