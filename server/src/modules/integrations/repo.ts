import type { Insertable, Selectable, Updateable } from "kysely";
import { lockRow, type Queryable } from "../../db/index.ts";
import type { OpcuaSourcesTable } from "../../db/schema.ts";

export type OpcuaSourceRow = Selectable<OpcuaSourcesTable>;

export const opcuaSourcesRepo = {
  findById(db: Queryable, id: string) {
    return db.selectFrom("opcua_sources").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** The same node on the same server, configured already (except `exceptId`). */
  findByNode(db: Queryable, endpointUrl: string, nodeId: string, exceptId?: string) {
    let q = db
      .selectFrom("opcua_sources")
      .select("id")
      .where("endpoint_url", "=", endpointUrl)
      .where("node_id", "=", nodeId);
    if (exceptId) q = q.where("id", "<>", exceptId);
    return q.executeTakeFirst();
  },

  /** What the OPC UA manager subscribes to. */
  listActive(db: Queryable) {
    return db.selectFrom("opcua_sources").selectAll().where("active", "=", true).orderBy("id").execute();
  },

  /** Oldest first; keyset position is the id (UUIDv7, so creation order). */
  list(db: Queryable, filter: { active?: boolean; after?: string }, limit: number) {
    let q = db.selectFrom("opcua_sources").selectAll();
    if (filter.active !== undefined) q = q.where("active", "=", filter.active);
    if (filter.after) q = q.where("id", ">", filter.after);
    return q.orderBy("id").limit(limit).execute();
  },

  async insert(db: Queryable, row: Insertable<OpcuaSourcesTable>): Promise<void> {
    await db.insertInto("opcua_sources").values(row).execute();
  },

  async update(db: Queryable, id: string, patch: Updateable<OpcuaSourcesTable>): Promise<void> {
    await db.updateTable("opcua_sources").set(patch).where("id", "=", id).execute();
  },

  /** Reads a source, locking its row for the transaction. */
  async lockById(db: Queryable, id: string) {
    return (await lockRow(db, "opcua_sources", id)) ? opcuaSourcesRepo.findById(db, id) : undefined;
  },

  async delete(db: Queryable, id: string): Promise<void> {
    await db.deleteFrom("opcua_sources").where("id", "=", id).execute();
  },
};
