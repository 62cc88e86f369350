import { sql, type RawBuilder, type SqlBool } from "kysely";
import type { Db, Queryable, Tx } from "../../db/index.ts";
import { liveTables } from "../../db/catalogue.ts";
import type { RetentionKindName } from "./kinds.ts";

export interface Candidates {
  count: number;
  oldest: string | null;
  newest: string | null;
}

/** What one kind's rows look like to retention: the table, its age column, and which rows may go. */
interface Target {
  table: string;
  /** The age of a row: a column, or for photos of retired tools their tool's retirement time. */
  column: RawBuilder<unknown>;
  where: (cutoff: string) => RawBuilder<SqlBool>;
}

const ref = (name: string) => sql.ref(name);

function targetOf(kind: Exclude<RetentionKindName, "audit_log">): Target {
  switch (kind) {
    case "integration_events":
      return {
        table: "integration_events",
        column: ref("received_at"),
        where: (c) => sql`${ref("received_at")} < ${c}`,
      };
    case "notifications":
      return { table: "notifications", column: ref("created_at"), where: (c) => sql`${ref("created_at")} < ${c}` };
    case "job_runs":
      // A run still going is never removed, however old.
      return {
        table: "job_runs",
        column: ref("started_at"),
        where: (c) => sql`${ref("started_at")} < ${c} and ${ref("outcome")} <> 'running'`,
      };
    case "sessions":
      return {
        table: "sessions",
        column: ref("expires_at"),
        where: (c) =>
          sql`(${ref("expires_at")} < ${c} or (${ref("revoked_at")} is not null and ${ref("revoked_at")} < ${c}))`,
      };
    case "deleted_downtimes":
      return {
        table: "downtimes",
        column: ref("deleted_at"),
        where: (c) =>
          sql`${ref("deleted_at")} is not null and ${ref("deleted_at")} < ${c} and not exists (select 1 from repairs r where r.downtime_id = downtimes.id)`,
      };
    case "retired_tool_photos":
      // The tool's own pictures, aged by the tool's retirement; photos of its failure reports,
      // logs and actions stay with those records as evidence.
      return {
        table: "photos",
        column: sql`(select t.retired_at from tools t where t.id = photos.entity_id)`,
        where: (c) =>
          sql`${ref("entity_type")} = 'tool' and exists (select 1 from tools t where t.id = photos.entity_id and t.status = 'retired' and t.retired_at is not null and t.retired_at < ${c})`,
      };
    case "analytics_reports":
      // A report still to be made, or the attachment of a weekly mail not yet sent, stays.
      return {
        table: "analytics_reports",
        column: ref("created_at"),
        where: (c) =>
          sql`${ref("created_at")} < ${c} and ${ref("status")} in ('ok', 'failed') and not exists (select 1 from email_outbox o where o.attachment_report_id = analytics_reports.id and o.status = 'pending')`,
      };
    case "deleted_photos":
      return {
        table: "photos",
        column: ref("deleted_at"),
        where: (c) => sql`${ref("deleted_at")} is not null and ${ref("deleted_at")} < ${c}`,
      };
  }
}

/** Kinds whose rows own objects in the photo store, removed after their rows are. */
export const PHOTO_KINDS: readonly RetentionKindName[] = ["retired_tool_photos", "deleted_photos"];

/** Text for both dialects: PostgreSQL timestamps come back as ISO strings through db/index.ts. */
const iso = (v: unknown) => (v == null ? null : typeof v === "string" ? v : new Date(v as string).toISOString());

export const retentionRepo = {
  rules(db: Queryable) {
    return db.selectFrom("retention_rules").selectAll().execute();
  },

  async setRule(db: Queryable, kind: string, keepDays: number | null, actorId: string | null): Promise<void> {
    const now = new Date().toISOString();
    await db
      .insertInto("retention_rules")
      .values({ kind, keep_days: keepDays, updated_at: now, updated_by: actorId })
      .onConflict((oc) => oc.column("kind").doUpdateSet({ keep_days: keepDays, updated_at: now, updated_by: actorId }))
      .execute();
  },

  /** Whether a table exists (notifications arrive with another module). */
  async tableExists(db: Db, table: string): Promise<boolean> {
    return (await liveTables(db)).some((t) => t.name === table);
  },

  async candidates(db: Queryable, kind: RetentionKindName, cutoff: string): Promise<Candidates> {
    if (kind === "audit_log") {
      const last = await lastAuditSeqBefore(db, cutoff);
      if (last === null) return { count: 0, oldest: null, newest: null };
      const row = await sql<{ n: number; oldest: string | null; newest: string | null }>`
        select count(*) as n, min(at) as oldest, max(at) as newest from audit_log where seq <= ${last}`.execute(db);
      return { count: Number(row.rows[0].n), oldest: iso(row.rows[0].oldest), newest: iso(row.rows[0].newest) };
    }
    const t = targetOf(kind);
    const row = await sql<{ n: number; oldest: string | null; newest: string | null }>`
      select count(*) as n, min(${t.column}) as oldest, max(${t.column}) as newest
      from ${sql.table(t.table)} where ${t.where(cutoff)}`.execute(db);
    return { count: Number(row.rows[0].n), oldest: iso(row.rows[0].oldest), newest: iso(row.rows[0].newest) };
  },

  /** The storage keys of the photos a photo kind would remove (their objects go after the commit). */
  async photoKeys(db: Queryable, kind: RetentionKindName, cutoff: string): Promise<string[]> {
    if (!PHOTO_KINDS.includes(kind)) return [];
    const t = targetOf(kind as "deleted_photos");
    const rows = await sql<{ storage_key: string }>`select storage_key from photos where ${t.where(cutoff)}`.execute(
      db,
    );
    return rows.rows.map((r) => r.storage_key);
  },

  /** Removes the rows `candidates` counts, in the caller's transaction; returns how many. */
  async purge(trx: Tx, kind: RetentionKindName, cutoff: string): Promise<number> {
    if (kind === "audit_log") return purgeAudit(trx, cutoff);
    const t = targetOf(kind);
    if (kind === "sessions") {
      await sql`delete from refresh_tokens where session_id in (select id from sessions where ${t.where(cutoff)})`.execute(
        trx,
      );
    }
    const result = await sql`delete from ${sql.table(t.table)} where ${t.where(cutoff)}`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  },
};

/**
 * The audit log is removed as a prefix of the chain: the entries before the first one young
 * enough to keep. (Entries follow the clock, so that is "older than the cutoff"; should the clock
 * ever have gone back, a young entry is never removed for an old one after it.)
 */
async function lastAuditSeqBefore(db: Queryable, cutoff: string): Promise<number | null> {
  const row = await sql<{ young: number | null; last: number | null; first: number | null }>`
    select (select min(seq) from audit_log where at >= ${cutoff}) as young,
           (select max(seq) from audit_log) as last,
           (select min(seq) from audit_log) as first`.execute(db);
  const { young, last, first } = row.rows[0];
  if (first == null || last == null) return null;
  const end = young == null ? Number(last) : Number(young) - 1;
  return end >= Number(first) ? end : null;
}

async function purgeAudit(trx: Tx, cutoff: string): Promise<number> {
  const last = await lastAuditSeqBefore(trx, cutoff);
  if (last === null) return 0;
  const entry = await trx
    .selectFrom("audit_log")
    .select(["seq", "hash", "at"])
    .where("seq", "=", last)
    .executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  await trx
    .insertInto("audit_checkpoint")
    .values({ id: 1, seq: entry.seq, hash: entry.hash, at: entry.at, purged_at: now })
    .onConflict((oc) => oc.column("id").doUpdateSet({ seq: entry.seq, hash: entry.hash, at: entry.at, purged_at: now }))
    .execute();
  const result = await trx.deleteFrom("audit_log").where("seq", "<=", last).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
