import type { Insertable } from "kysely";
import type { Queryable, SqliteStatements } from "../db/index.ts";
import type { IntegrationEventsTable } from "../db/schema.ts";
import { afterKey } from "../db/pagination.ts";

export type IntegrationEventStatus = "stored" | "duplicate" | "ignored" | "rejected";

/**
 * Every inbound machine message is kept in `integration_events` with its outcome (SPEC §7), so
 * a plant can see what a press sent and why it was refused. Shared by the MQTT and OPC UA feeds.
 */
const INSERT_EVENT =
  "insert into integration_events (id, channel, topic, payload, status, error, received_at) values (?, ?, ?, ?, ?, ?, ?)";

export const integrationEventsRepo = {
  async insert(
    db: Queryable,
    rows: Insertable<IntegrationEventsTable>[],
    /** On SQLite, inside a transaction: one prepared single-row statement per event (a feed writes thousands). */
    sqlite?: SqliteStatements,
  ): Promise<void> {
    if (sqlite) {
      for (const row of rows) {
        sqlite.run(INSERT_EVENT, [
          row.id,
          row.channel,
          row.topic,
          row.payload,
          row.status,
          row.error ?? null,
          row.received_at,
        ]);
      }
      return;
    }
    for (let i = 0; i < rows.length; i += 500) {
      await db
        .insertInto("integration_events")
        .values(rows.slice(i, i + 500))
        .execute();
    }
  },

  list(db: Queryable, filter: { channel?: string; status?: string; before?: [string, string] }, limit: number) {
    let q = db.selectFrom("integration_events").selectAll();
    if (filter.channel) q = q.where("channel", "=", filter.channel);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.before) {
      q = q.where(afterKey("received_at", filter.before, "desc"));
    }
    return q.orderBy("received_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },
};
