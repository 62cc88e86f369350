import type { Kysely } from "kysely";
import { columnTypes } from "../columns.ts";
import type { DialectName } from "../index.ts";

/** Users, sessions with rotating refresh tokens, the hash-chained audit log and settings. */
export function foundation(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("users")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("username", t.text, (c) => c.notNull())
        .addColumn("username_key", t.text, (c) => c.notNull().unique())
        .addColumn("full_name", t.text)
        .addColumn("email", t.text)
        .addColumn("role", t.text, (c) => c.notNull())
        .addColumn("active", t.boolean, (c) => c.notNull().defaultTo(t.true))
        .addColumn("locale", t.text, (c) => c.notNull().defaultTo("en"))
        .addColumn("password_hash", t.text, (c) => c.notNull())
        .addColumn("failed_login_count", t.integer, (c) => c.notNull().defaultTo(0))
        .addColumn("locked_until", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .addColumn("last_login_at", t.timestamp)
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("user_id", t.id, (c) => c.notNull().references("users.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("last_used_at", t.timestamp, (c) => c.notNull())
        .addColumn("expires_at", t.timestamp, (c) => c.notNull())
        .addColumn("revoked_at", t.timestamp)
        .addColumn("revoked_reason", t.text)
        .addColumn("user_agent", t.text)
        .addColumn("ip", t.text)
        .execute();
      await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

      await db.schema
        .createTable("refresh_tokens")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("session_id", t.id, (c) => c.notNull().references("sessions.id"))
        .addColumn("token_hash", t.text, (c) => c.notNull().unique())
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("expires_at", t.timestamp, (c) => c.notNull())
        .addColumn("used_at", t.timestamp)
        .execute();
      await db.schema.createIndex("refresh_tokens_session_idx").on("refresh_tokens").column("session_id").execute();

      await db.schema
        .createTable("audit_log")
        .addColumn("id", t.id, (c) => c.primaryKey())
        .addColumn("seq", t.bigint, (c) => c.notNull().unique())
        .addColumn("at", t.timestamp, (c) => c.notNull())
        .addColumn("actor_id", t.id)
        .addColumn("action", t.text, (c) => c.notNull())
        .addColumn("entity_type", t.text, (c) => c.notNull())
        .addColumn("entity_id", t.text)
        .addColumn("changes", t.json, (c) => c.notNull())
        .addColumn("request_id", t.text)
        .addColumn("prev_hash", t.text, (c) => c.notNull())
        .addColumn("hash", t.text, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("audit_log_entity_idx")
        .on("audit_log")
        .columns(["entity_type", "entity_id", "seq"])
        .execute();
      await db.schema.createIndex("audit_log_actor_idx").on("audit_log").columns(["actor_id", "seq"]).execute();
      await db.schema.createIndex("audit_log_at_idx").on("audit_log").columns(["at"]).execute();

      await db.schema
        .createTable("audit_head")
        .addColumn("id", t.integer, (c) => c.primaryKey())
        .addColumn("seq", t.bigint, (c) => c.notNull())
        .addColumn("hash", t.text, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("settings")
        .addColumn("key", t.text, (c) => c.primaryKey())
        .addColumn("value", t.text, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();
    },
  };
}
