import type { Insertable, Selectable, Updateable } from "kysely";
import { lockRow, type Queryable } from "../../db/index.ts";
import type { LinesTable, MachinesTable } from "../../db/schema.ts";
import { containsIgnoringCase } from "../../db/sql.ts";
import { afterKey } from "../../db/pagination.ts";

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
      q = q.where(afterKey("code", filter.after, "asc"));
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

  /** Reads a machine, locking its row for the transaction (see lockRow). */
  async lockById(db: Queryable, id: string) {
    return (await lockRow(db, "machines", id)) ? machinesRepo.findById(db, id) : undefined;
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
      q = q.where(afterKey("code", filter.after, "asc"));
    }
    return q.orderBy("code").orderBy("id").limit(limit).execute();
  },
};
