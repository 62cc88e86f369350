import { sql, type Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/**
 * Mould tools, their mounts on machines, shot entries and counter readings, maintenance plans,
 * and the integration tables the machine feeds write to (SPEC §7).
 */
export function toolsAndShots(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("tools")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("asset_number", t.text, (c) => c.notNull())
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("part_number", t.text)
        .addColumn("description", t.text)
        .addColumn("manufacturer", t.text)
        .addColumn("cavity_count", t.integer, (c) => c.notNull())
        .addColumn("active_cavities", t.integer)
        .addColumn("status", t.text, (c) => c.notNull())
        .addColumn("location", t.text)
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("rated_life_shots", t.bigint)
        .addColumn("lifetime_shots", t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn("retired_at", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("tools_asset_number_key")
        .on("tools")
        .unique()
        .expression(sql`lower(asset_number)`)
        .execute();
      // One mould in a press at a time.
      await db.schema
        .createIndex("tools_machine_key")
        .on("tools")
        .column("machine_id")
        .unique()
        .where(sql.ref("machine_id"), "is not", null)
        .execute();

      await db.schema
        .createTable("tool_mounts")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("tool_id", t.id, (c) => c.notNull().references("tools.id"))
        .addColumn("machine_id", t.id, (c) => c.notNull().references("machines.id"))
        .addColumn("mounted_at", t.timestamp, (c) => c.notNull())
        .addColumn("unmounted_at", t.timestamp)
        .addColumn("mounted_by", t.id, (c) => c.references("users.id"))
        .addColumn("unmounted_by", t.id, (c) => c.references("users.id"))
        .execute();
      await db.schema
        .createIndex("tool_mounts_tool_idx")
        .on("tool_mounts")
        .columns(["tool_id", "mounted_at"])
        .execute();
      await db.schema
        .createIndex("tool_mounts_machine_idx")
        .on("tool_mounts")
        .columns(["machine_id", "mounted_at"])
        .execute();

      await db.schema
        .createTable("shot_entries")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("tool_id", t.id, (c) => c.notNull().references("tools.id"))
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("delta", t.bigint, (c) => c.notNull())
        .addColumn("total", t.bigint)
        .addColumn("counter_reset", t.boolean, (c) => c.notNull().defaultTo(t.false))
        .addColumn("source", t.text, (c) => c.notNull())
        .addColumn("recorded_at", t.timestamp, (c) => c.notNull())
        .addColumn("external_id", t.text)
        .addColumn("created_by", t.id, (c) => c.references("users.id"))
        .addColumn("request_id", t.text)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("shot_entries_tool_idx")
        .on("shot_entries")
        .columns(["tool_id", "recorded_at"])
        .execute();
      // The idempotency key: the same (source, external_id) is stored once.
      await db.schema
        .createIndex("shot_entries_external_key")
        .on("shot_entries")
        .columns(["source", "external_id"])
        .unique()
        .where(sql.ref("external_id"), "is not", null)
        .execute();

      // The last reading of each absolute counter (a tool's own, or a machine's cycle counter),
      // from which the next `total` becomes a delta.
      await db.schema
        .createTable("shot_counters")
        .addColumn("key", t.text, (c) => c.primaryKey())
        .addColumn("last_value", t.bigint, (c) => c.notNull())
        .addColumn("last_recorded_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("maintenance_plans")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("tool_id", t.id, (c) => c.references("tools.id"))
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("name", t.text, (c) => c.notNull())
        .addColumn("activity", t.text, (c) => c.notNull())
        .addColumn("interval_shots", t.bigint)
        .addColumn("interval_days", t.integer)
        .addColumn("warn_at_percent", t.integer, (c) => c.notNull().defaultTo(90))
        .addColumn("checklist_template_id", t.id)
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("last_done_at", t.timestamp, (c) => c.notNull())
        .addColumn("last_done_shots", t.bigint, (c) => c.notNull())
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("maintenance_plans_tool_idx").on("maintenance_plans").column("tool_id").execute();
      await db.schema
        .createIndex("maintenance_plans_machine_idx")
        .on("maintenance_plans")
        .column("machine_id")
        .execute();

      await db.schema
        .createTable("integration_events")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("channel", t.text, (c) => c.notNull()) // mqtt | opcua
        .addColumn("topic", t.text, (c) => c.notNull()) // MQTT topic or OPC UA source id / node
        .addColumn("payload", t.text, (c) => c.notNull())
        .addColumn("status", t.text, (c) => c.notNull()) // stored | duplicate | ignored | rejected
        .addColumn("error", t.text)
        .addColumn("received_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("integration_events_received_idx")
        .on("integration_events")
        .column("received_at")
        .execute();

      await db.schema
        .createTable("opcua_sources")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("endpoint_url", t.text, (c) => c.notNull())
        .addColumn("node_id", t.text, (c) => c.notNull())
        .addColumn("machine_id", t.id, (c) => c.references("machines.id"))
        .addColumn("tool_id", t.id, (c) => c.references("tools.id"))
        .addColumn("kind", t.text, (c) => c.notNull())
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
    },
  };
}
