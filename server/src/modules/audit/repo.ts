import { sql } from "kysely";
import type { DialectName, Queryable, Tx } from "../../db/index.ts";
import type { AuditLogTable } from "../../db/schema.ts";

// Any constant works; it only has to be the same for every writer of the chain.
const AUDIT_CHAIN_LOCK = 4_711_001;

export interface AuditFilter {
  entity_type?: string;
  entity_id?: string;
  actor_id?: string;
  action?: string;
  from?: string;
  to?: string;
  beforeSeq?: number;
}

export const auditRepo = {
  /**
   * Serialises appends to the chain for the rest of the transaction. SQLite needs nothing:
   * one connection runs one transaction at a time.
   */
  async lockChain(trx: Tx, dialect: DialectName): Promise<void> {
    if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(trx);
  },

  head(db: Queryable) {
    return db.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirst();
  },

  async append(trx: Tx, entry: AuditLogTable, firstEntry: boolean): Promise<void> {
    await trx.insertInto("audit_log").values(entry).execute();
    if (firstEntry) {
      await trx.insertInto("audit_head").values({ id: 1, seq: entry.seq, hash: entry.hash }).execute();
    } else {
      await trx.updateTable("audit_head").set({ seq: entry.seq, hash: entry.hash }).where("id", "=", 1).execute();
    }
  },

  list(db: Queryable, filter: AuditFilter, limit: number) {
    let q = db.selectFrom("audit_log").selectAll();
    if (filter.entity_type) q = q.where("entity_type", "=", filter.entity_type);
    if (filter.entity_id) q = q.where("entity_id", "=", filter.entity_id);
    if (filter.actor_id) q = q.where("actor_id", "=", filter.actor_id);
    if (filter.action) q = q.where("action", "=", filter.action);
    if (filter.from) q = q.where("at", ">=", filter.from);
    if (filter.to) q = q.where("at", "<", filter.to);
    if (filter.beforeSeq !== undefined) q = q.where("seq", "<", filter.beforeSeq);
    return q.orderBy("seq", "desc").limit(limit).execute();
  },

  /** Where the chain continues after retention removed its oldest entries (none: from the genesis). */
  checkpoint(db: Queryable) {
    return db.selectFrom("audit_checkpoint").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirst();
  },

  /** Entries whose `changes` text contains any of `needles` (case-insensitive), or that are about `entity`. */
  mentioning(db: Queryable, needles: string[], entity: { type: string; id: string }) {
    return db
      .selectFrom("audit_log")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb("entity_type", "=", entity.type), eb("entity_id", "=", entity.id)]),
          ...needles.map((needle) =>
            eb(
              eb.fn("lower", ["changes"]),
              "like",
              sql<string>`${`%${needle.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`} escape '\\'`,
            ),
          ),
        ]),
      )
      .orderBy("seq", "asc")
      .execute();
  },

  async setChanges(trx: Tx, id: string, changes: string): Promise<void> {
    await trx.updateTable("audit_log").set({ changes }).where("id", "=", id).execute();
  },

  async setHashes(trx: Tx, id: string, prevHash: string, hash: string): Promise<void> {
    await trx.updateTable("audit_log").set({ prev_hash: prevHash, hash }).where("id", "=", id).execute();
  },

  async setHead(trx: Tx, seq: number, hash: string): Promise<void> {
    await trx.updateTable("audit_head").set({ seq, hash }).where("id", "=", 1).execute();
  },

  /** The entry just before `seq` (its hash starts a re-chain). */
  entryBefore(db: Queryable, seq: number) {
    return db
      .selectFrom("audit_log")
      .select(["seq", "hash"])
      .where("seq", "<", seq)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
  },

  /** Entries in chain order, a page at a time (verification streams the whole log). */
  chainPage(db: Queryable, afterSeq: number, limit: number) {
    return db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">", afterSeq)
      .orderBy("seq", "asc")
      .limit(limit)
      .execute();
  },
};
