import { sql, type Insertable, type Selectable } from "kysely";
import type { Queryable, SqliteStatements } from "../../db/index.ts";
import type { ShotEntriesTable } from "../../db/schema.ts";
import { afterKey } from "../../db/pagination.ts";

export type ShotEntryRow = Selectable<ShotEntriesTable>;

/** Rows per multi-row INSERT: 12 columns × 400 stays far below either database's parameter limit. */
const INSERT_CHUNK = 400;
const LOOKUP_CHUNK = 500;

const INSERT_PLAIN =
  "insert into shot_entries (id, tool_id, machine_id, delta, total, counter_reset, source, recorded_at, external_id, " +
  "created_by, request_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const INSERT_KEYED = `${INSERT_PLAIN} on conflict (source, external_id) where external_id is not null do nothing`;
const UPSERT_COUNTER =
  "insert into shot_counters (key, last_value, last_recorded_at, updated_at) values (?, ?, ?, ?) on conflict (key) " +
  "do update set last_value = excluded.last_value, last_recorded_at = excluded.last_recorded_at, updated_at = excluded.updated_at";
/**
 * Which of LOOKUP_CHUNK keys are stored for a source: one statement text for every chunk (a short
 * last chunk repeats its last key), so it is prepared once. Keys are bound as parameters, as the
 * insert binds them, so both compare the same bytes.
 */
const EXISTING_KEYS =
  "select external_id as key from shot_entries where source = ? and external_id is not null and external_id in " +
  `(${Array.from({ length: LOOKUP_CHUNK }, () => "?").join(", ")})`;

/**
 * Adds accepted entries to the per-tool daily totals (migration 0012) in the same transaction,
 * one upsert per tool and day of the batch rather than one per entry.
 */
async function addToDayTotals(db: Queryable, rows: Insertable<ShotEntriesTable>[]): Promise<void> {
  const sums = new Map<string, { tool_id: string; day: string; shots: number; entries: number }>();
  for (const row of rows) {
    const day = utcDay(row.recorded_at);
    const key = `${row.tool_id}|${day}`;
    const sum = sums.get(key);
    if (sum) {
      sum.shots += Number(row.delta);
      sum.entries += 1;
    } else sums.set(key, { tool_id: row.tool_id, day, shots: Number(row.delta), entries: 1 });
  }
  // Sorted, so two batches touching the same tools take the row locks in one order.
  const values = [...sums.values()].sort((a, b) => (a.tool_id + a.day < b.tool_id + b.day ? -1 : 1));
  for (let i = 0; i < values.length; i += INSERT_CHUNK) {
    await db
      .insertInto("tool_shot_day_totals")
      .values(values.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) =>
        oc.columns(["tool_id", "day"]).doUpdateSet((eb) => ({
          shots: sql<number>`${eb.ref("tool_shot_day_totals.shots")} + ${eb.ref("excluded.shots")}`,
          entries: sql<number>`${eb.ref("tool_shot_day_totals.entries")} + ${eb.ref("excluded.entries")}`,
        })),
      )
      .execute();
  }
}

/** The UTC day of a timestamp; the entries' own are normalised ISO text already (no Date per entry). */
function utcDay(at: string): string {
  return at.length === 24 && at.endsWith("Z") ? at.slice(0, 10) : new Date(at).toISOString().slice(0, 10);
}

/** Multi-row inserts (PostgreSQL, or SQLite without prepared statements); adds the stored ids to `inserted`. */
async function insertChunks(db: Queryable, rows: Insertable<ShotEntriesTable>[], inserted: Set<string>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    if (!chunk.some((row) => row.external_id)) {
      // Without idempotency keys nothing can clash: a plain insert, no RETURNING to read back.
      await db.insertInto("shot_entries").values(chunk).execute();
      for (const row of chunk) inserted.add(row.id);
      continue;
    }
    const result = await db
      .insertInto("shot_entries")
      .values(chunk)
      .onConflict((oc) => oc.columns(["source", "external_id"]).where("external_id", "is not", null).doNothing())
      .returning("id")
      .execute();
    for (const row of result) inserted.add(row.id);
  }
}

export const shotsRepo = {
  /**
   * Inserts entries, skipping any whose (source, external_id) is already stored, and returns
   * the ids actually inserted (a concurrent duplicate loses here, not with an error).
   */
  async insertEntries(
    db: Queryable,
    rows: Insertable<ShotEntriesTable>[],
    /** On SQLite: one prepared single-row statement run per entry (no SQL compiled per batch). */
    sqlite?: SqliteStatements,
  ): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (sqlite) {
      for (const row of rows) {
        const params = [
          row.id,
          row.tool_id,
          row.machine_id ?? null,
          row.delta,
          row.total ?? null,
          row.counter_reset ? 1 : 0,
          row.source,
          row.recorded_at,
          row.external_id ?? null,
          row.created_by ?? null,
          row.request_id ?? null,
          row.created_at,
        ];
        // A key stored meanwhile makes `changes` 0: the entry is a duplicate, not an error.
        if (sqlite.run(row.external_id ? INSERT_KEYED : INSERT_PLAIN, params).changes > 0) inserted.add(row.id);
      }
    } else await insertChunks(db, rows, inserted);
    await addToDayTotals(
      db,
      rows.filter((row) => inserted.has(row.id)),
    );
    return inserted;
  },

  /** Which of these idempotency keys of one source are stored already. */
  async existingExternalIds(
    db: Queryable,
    source: string,
    externalIds: string[],
    /** On SQLite, inside a transaction: a prepared statement per 500 keys, nothing to compile. */
    sqlite?: SqliteStatements,
  ): Promise<Set<string>> {
    const found = new Set<string>();
    if (sqlite) {
      for (let i = 0; i < externalIds.length; i += LOOKUP_CHUNK) {
        const chunk = externalIds.slice(i, i + LOOKUP_CHUNK);
        while (chunk.length < LOOKUP_CHUNK) chunk.push(chunk[chunk.length - 1]);
        for (const row of sqlite.all(EXISTING_KEYS, [source, ...chunk]) as { key: string }[]) found.add(row.key);
      }
      return found;
    }
    for (let i = 0; i < externalIds.length; i += LOOKUP_CHUNK) {
      const rows = await db
        .selectFrom("shot_entries")
        .select("external_id")
        .where("source", "=", source)
        .where("external_id", "in", externalIds.slice(i, i + LOOKUP_CHUNK))
        .execute();
      for (const row of rows) found.add(row.external_id!);
    }
    return found;
  },

  findByExternalId(db: Queryable, source: string, externalId: string) {
    return db
      .selectFrom("shot_entries")
      .selectAll()
      .where("source", "=", source)
      .where("external_id", "=", externalId)
      .executeTakeFirst();
  },

  findById(db: Queryable, id: string) {
    return db.selectFrom("shot_entries").selectAll().where("id", "=", id).executeTakeFirst();
  },

  list(
    db: Queryable,
    filter: { toolId: string; from?: string; to?: string; before?: [string, string] },
    limit: number,
  ) {
    let q = db.selectFrom("shot_entries").selectAll().where("tool_id", "=", filter.toolId);
    if (filter.from) q = q.where("recorded_at", ">=", filter.from);
    if (filter.to) q = q.where("recorded_at", "<", filter.to);
    if (filter.before) {
      q = q.where(afterKey("recorded_at", filter.before, "desc"));
    }
    return q.orderBy("recorded_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** Sum of accepted deltas: what `lifetime_shots` must equal. */
  async sumOfDeltas(db: Queryable, toolId: string): Promise<number> {
    const row = await db
      .selectFrom("shot_entries")
      .select((eb) => eb.fn.sum<number>("delta").as("total"))
      .where("tool_id", "=", toolId)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  },
};

export const shotCountersRepo = {
  /** The counters' last readings. Callers hold the lock of the counters' owners (tool or machine rows). */
  async read(db: Queryable, keys: string[]): Promise<Map<string, { last_value: number; last_recorded_at: string }>> {
    const found = new Map<string, { last_value: number; last_recorded_at: string }>();
    if (keys.length === 0) return found;
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
      const chunk = keys.slice(i, i + LOOKUP_CHUNK);
      const rows = await db.selectFrom("shot_counters").selectAll().where("key", "in", chunk).execute();
      for (const row of rows)
        found.set(row.key, { last_value: Number(row.last_value), last_recorded_at: row.last_recorded_at });
    }
    return found;
  },

  async upsert(
    db: Queryable,
    key: string,
    value: number,
    recordedAt: string,
    now: string,
    /** On SQLite, inside a transaction: the prepared statement (a feed's batch moves dozens of counters). */
    sqlite?: SqliteStatements,
  ): Promise<void> {
    if (sqlite) {
      sqlite.run(UPSERT_COUNTER, [key, value, recordedAt, now]);
      return;
    }
    await db
      .insertInto("shot_counters")
      .values({ key, last_value: value, last_recorded_at: recordedAt, updated_at: now })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({ last_value: value, last_recorded_at: recordedAt, updated_at: now }),
      )
      .execute();
  },
};
