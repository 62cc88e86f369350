import type { Insertable, Selectable, Updateable } from "kysely";
import type { Queryable } from "../../db/index.ts";
import type { LinesTable, MachinesTable } from "../../db/schema.ts";
import { containsIgnoringCase } from "../../db/sql.ts";

export type LineRow = Selectable<LinesTable>;
export type MachineRow = Selectable<MachinesTable>;

/** Keyset position of a list sorted by code: [code, id]. */
type After = [string, string];

export const linesRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("lines").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("lines").selectAll().where("id", "in", ids).execute();
  },

  async insert(db: Queryable, row: Insertable<LinesTable>): Promise<void> {
    await db.insertInto("lines").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<LinesTable>): Promise<void> {
    await db.updateTable("lines").set(patch).where("id", "=", id).execute();
  },

  list(db: Queryable, filter: { status?: string; q?: string; includeRetired: boolean; after?: After }, limit: number) {
    let q = db.selectFrom("lines").selectAll();
    if (!filter.includeRetired) q = q.where("active", "=", true);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.q) q = q.where(containsIgnoringCase(["code", "name", "description"], filter.q));
    if (filter.after) {
      const [code, id] = filter.after;
      q = q.where((eb) => eb.or([eb("code", ">", code), eb.and([eb("code", "=", code), eb("id", ">", id)])]));
    }
    return q.orderBy("code").orderBy("id").limit(limit).execute();
  },
};

export const machinesRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("machines").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("machines").selectAll().where("id", "in", ids).execute();
  },

  /**
   * Reads a machine and, on PostgreSQL, locks its row until the transaction ends, so that writes
   * that check the machine's downtimes (overlaps, the one ongoing) take turns. The no-op update
   * is the portable way to take that lock; SQLite has a single writer already.
   */
  async lockById(db: Queryable, id: string) {
    // A non-key column: setting the primary key, even to itself, makes SQLite look up every
    // referencing row (shot_entries.machine_id has no index), a full scan per lock.
    const locked = await db
      .updateTable("machines")
      .set((eb) => ({ updated_at: eb.ref("updated_at") }))
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) === 0) return undefined;
    return machinesRepo.findById(db, id);
  },

  async insert(db: Queryable, row: Insertable<MachinesTable>): Promise<void> {
    await db.insertInto("machines").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<MachinesTable>): Promise<void> {
    await db.updateTable("machines").set(patch).where("id", "=", id).execute();
  },

  async countActiveOnLine(db: Queryable, lineId: string): Promise<number> {
    const row = await db
      .selectFrom("machines")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("line_id", "=", lineId)
      .where("status", "<>", "retired")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  list(
    db: Queryable,
    filter: { lineIds?: readonly string[]; status?: string; q?: string; includeRetired: boolean; after?: After },
    limit: number,
  ) {
    let q = db.selectFrom("machines").selectAll();
    if (filter.lineIds) q = q.where("line_id", "in", filter.lineIds);
    if (filter.status) q = q.where("status", "=", filter.status);
    else if (!filter.includeRetired) q = q.where("status", "<>", "retired");
    if (filter.q) {
      q = q.where(
        containsIgnoringCase(["code", "name", "asset_number", "serial_number", "manufacturer", "model"], filter.q),
      );
    }
    if (filter.after) {
      const [code, id] = filter.after;
      q = q.where((eb) => eb.or([eb("code", ">", code), eb.and([eb("code", "=", code), eb("id", ">", id)])]));
    }
    return q.orderBy("code").orderBy("id").limit(limit).execute();
  },
};
