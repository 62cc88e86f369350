import { sql, type Insertable, type Selectable, type Updateable } from "kysely";
import { lockRow, type Queryable, type SqliteStatements } from "../../db/index.ts";
import type { ToolMountsTable, ToolsTable } from "../../db/schema.ts";
import { containsIgnoringCase } from "../../db/sql.ts";
import { afterKey } from "../../db/pagination.ts";

export type ToolRow = Selectable<ToolsTable>;

const ADD_SHOTS = "update tools set lifetime_shots = lifetime_shots + ?, updated_at = ? where id = ?";
export type ToolMountRow = Selectable<ToolMountsTable>;

export interface ToolFilter {
  q?: string;
  /** Part of the location, any case ("rack b" finds "Rack B1"). */
  location?: string;
  status?: string;
  machineId?: string;
  mounted?: boolean;
  includeRetired: boolean;
  /** Keyset position: [asset_number, id]. */
  after?: [string, string];
}

export const toolsRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("tools").selectAll().where("id", "=", id).executeTakeFirst();
  },

  findByIds(db: Queryable, ids: readonly string[]) {
    return db.selectFrom("tools").selectAll().where("id", "in", ids).execute();
  },

  findByAssetNumber(db: Queryable, assetNumber: string) {
    return db
      .selectFrom("tools")
      .selectAll()
      .where((eb) => eb(eb.fn("lower", ["asset_number"]), "=", assetNumber.toLowerCase()))
      .executeTakeFirst();
  },

  /** The tool mounted on each of these machines now. */
  findMountedOn(db: Queryable, machineIds: readonly string[]) {
    return db.selectFrom("tools").selectAll().where("machine_id", "in", machineIds).execute();
  },

  /** Reads a tool, locking its row for the transaction (see lockRow). */
  async lockById(db: Queryable, id: string) {
    return (await lockRow(db, "tools", id)) ? toolsRepo.findById(db, id) : undefined;
  },

  async insert(db: Queryable, row: Insertable<ToolsTable>): Promise<void> {
    await db.insertInto("tools").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<ToolsTable>): Promise<void> {
    await db.updateTable("tools").set(patch).where("id", "=", id).execute();
  },

  /** Adds accepted shots atomically: concurrent writers never lose an increment. */
  async addShots(
    db: Queryable,
    id: string,
    delta: number,
    now: string,
    /** On SQLite, inside a transaction: the prepared statement (a batch adds to every tool it names). */
    sqlite?: SqliteStatements,
  ): Promise<void> {
    if (sqlite) {
      sqlite.run(ADD_SHOTS, [delta, now, id]);
      return;
    }
    await db
      .updateTable("tools")
      .set((eb) => ({ lifetime_shots: eb("lifetime_shots", "+", delta), updated_at: now }))
      .where("id", "=", id)
      .execute();
  },

  list(db: Queryable, filter: ToolFilter, limit: number) {
    let q = db.selectFrom("tools").selectAll();
    if (filter.status) q = q.where("status", "=", filter.status);
    else if (!filter.includeRetired) q = q.where("status", "<>", "retired");
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    if (filter.mounted !== undefined) q = q.where("machine_id", filter.mounted ? "is not" : "is", null);
    if (filter.q) {
      q = q.where(containsIgnoringCase(["asset_number", "name", "part_number", "description", "location"], filter.q));
    }
    if (filter.location) q = q.where(containsIgnoringCase(["location"], filter.location));
    if (filter.after) {
      q = q.where(afterKey("asset_number", filter.after, "asc"));
    }
    return q.orderBy("asset_number").orderBy("id").limit(limit).execute();
  },
};

export const toolMountsRepo = {
  async insert(db: Queryable, row: Insertable<ToolMountsTable>): Promise<void> {
    await db.insertInto("tool_mounts").values(row).execute();
  },

  async closeOpen(db: Queryable, toolId: string, at: string, by: string): Promise<void> {
    await db
      .updateTable("tool_mounts")
      .set({ unmounted_at: at, unmounted_by: by })
      .where("tool_id", "=", toolId)
      .where("unmounted_at", "is", null)
      .execute();
  },

  /** Mount history of a tool or a machine, newest first. */
  list(db: Queryable, filter: { toolId?: string; machineId?: string }, limit: number) {
    let q = db.selectFrom("tool_mounts").selectAll();
    if (filter.toolId) q = q.where("tool_id", "=", filter.toolId);
    if (filter.machineId) q = q.where("machine_id", "=", filter.machineId);
    return q.orderBy("mounted_at", "desc").orderBy("id", "desc").limit(limit).execute();
  },

  /** The latest mount (open or not) of each of these machines: `list(…, 1)` for many machines in one query. */
  async latestOnMachines(db: Queryable, machineIds: readonly string[]): Promise<Map<string, ToolMountRow>> {
    const latest = new Map<string, ToolMountRow>();
    for (let i = 0; i < machineIds.length; i += 500) {
      const rows = await db
        .selectFrom((eb) =>
          eb
            .selectFrom("tool_mounts")
            .selectAll()
            .select(
              sql<number>`row_number() over (partition by machine_id order by mounted_at desc, id desc)`.as("nth"),
            )
            .where("machine_id", "in", machineIds.slice(i, i + 500))
            .as("mounts"),
        )
        .selectAll()
        .where("nth", "=", 1)
        .execute();
      for (const { nth: _nth, ...mount } of rows) latest.set(mount.machine_id, mount);
    }
    return latest;
  },

  /** The tool that was on the machine at that moment (SPEC §7: cycles go to the tool mounted then). */
  async toolOnMachineAt(db: Queryable, machineId: string, at: string): Promise<string | undefined> {
    const row = await db
      .selectFrom("tool_mounts")
      .select("tool_id")
      .where("machine_id", "=", machineId)
      .where("mounted_at", "<=", at)
      .where((eb) => eb.or([eb("unmounted_at", "is", null), eb("unmounted_at", ">", at)]))
      .orderBy("mounted_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.tool_id;
  },
};
