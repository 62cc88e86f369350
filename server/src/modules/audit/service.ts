import { z } from "zod";
import type { RequestContext } from "../../access/context.ts";
import { authorize } from "../../access/context.ts";
import { transaction, type Db, type Queryable, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { newId } from "../../ids.ts";
import type { AuditLogTable } from "../../db/schema.ts";
import { conflict } from "../../errors.ts";
import { parseInput } from "../../validate.ts";
import { GENESIS_HASH, entryHash } from "./hash.ts";
import { auditRepo } from "./repo.ts";

/** `{ field: [old, new] }` */
export type Changes = Record<string, [unknown, unknown]>;

export interface AuditEvent {
  action: string;
  entity_type: string;
  entity_id: string | null;
  changes?: Changes;
  /** Overrides the request's actor, e.g. the user who just logged in or registered. */
  actor_id?: string | null;
}

export interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  changes: Changes;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_bad_id: string | null;
}

const isoDateTime = z.iso.datetime({ offset: true });

const listSchema = z.strictObject({
  ...pageQuery,
  entity_type: z.string().max(64).optional(),
  entity_id: z.string().max(64).optional(),
  actor_id: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
});

/** Fields whose values never enter the audit log, only the fact that they changed. */
const REDACTED = new Set(["password", "password_hash", "token", "refresh_token", "secret"]);

/** The changed fields between two versions of a record. */
export function diff(beforeRecord: object | null, afterRecord: object | null): Changes {
  const before = beforeRecord as Record<string, unknown> | null;
  const after = afterRecord as Record<string, unknown> | null;
  const changes: Changes = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of keys) {
    const old = before?.[key] ?? null;
    const next = after?.[key] ?? null;
    if (JSON.stringify(old) === JSON.stringify(next)) continue;
    changes[key] = REDACTED.has(key) ? ["[redacted]", "[redacted]"] : [old, next];
  }
  return changes;
}

/** The changed fields of an update, without the `updated_at` every update moves. */
export function updateDiff(before: object, after: object): Changes {
  const changes = diff(before, after);
  delete changes.updated_at;
  return changes;
}

export class AuditService {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Appends one entry to the hash chain, inside the caller's transaction. */
  async record(trx: Tx, ctx: RequestContext, event: AuditEvent): Promise<void> {
    await auditRepo.lockChain(trx, this.#db.dialect);
    const head = await auditRepo.head(trx);
    const entry = {
      id: newId(),
      seq: (head?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      actor_id: event.actor_id !== undefined ? event.actor_id : (ctx.actor?.id ?? null),
      action: event.action,
      entity_type: event.entity_type,
      entity_id: event.entity_id,
      changes: JSON.stringify(event.changes ?? {}),
      request_id: ctx.requestId ?? null,
      prev_hash: head?.hash ?? GENESIS_HASH,
    };
    await auditRepo.append(trx, { ...entry, hash: entryHash(entry) }, head === undefined);
  }

  /** A write of its own: one transaction holding only the audit entry (logins, failures). */
  recordAlone(ctx: RequestContext, event: AuditEvent): Promise<void> {
    return transaction(this.#db, (trx) => this.record(trx, ctx, event));
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<AuditEntry>> {
    authorize(ctx, "audit:read");
    const { limit, cursor, ...filter } = parseInput(listSchema, query);
    const beforeSeq = cursor ? Number(decodeCursor(cursor, 1)[0]) : undefined;
    const rows = await auditRepo.list(this.#db.kysely, { ...filter, beforeSeq }, limit + 1);
    return toPage(
      rows,
      limit,
      (r) => [r.seq],
      (r) => ({ ...r, changes: JSON.parse(r.changes) as Changes }),
    );
  }

  verifyForActor(ctx: RequestContext): Promise<VerifyResult> {
    authorize(ctx, "audit:verify");
    return this.verify();
  }

  /**
   * Walks the chain in order: each entry must follow the previous one's sequence number,
   * carry its hash, and hash to what it claims; the head must match the last entry.
   * An edited row breaks its own hash, a deleted one breaks the sequence, a deleted tail breaks the head.
   */
  async verify(db: Queryable = this.#db.kysely): Promise<VerifyResult> {
    // Retention may have removed the oldest entries; the chain then starts after the checkpoint it kept.
    const checkpoint = await auditRepo.checkpoint(db);
    let checked = 0;
    let prevHash = checkpoint?.hash ?? GENESIS_HASH;
    let expectedSeq = checkpoint ? Number(checkpoint.seq) + 1 : 1;
    let lastId: string | null = null;
    for (;;) {
      const rows = await auditRepo.chainPage(db, expectedSeq - 1, 1000);
      for (const row of rows) {
        const { hash, ...rest } = row;
        if (row.seq !== expectedSeq || row.prev_hash !== prevHash || entryHash(rest) !== hash) {
          return { ok: false, checked, first_bad_id: row.id };
        }
        checked += 1;
        prevHash = hash;
        expectedSeq += 1;
        lastId = row.id;
      }
      if (rows.length < 1000) break;
    }
    const head = await auditRepo.head(db);
    const headMatches = head === undefined ? checked === 0 : head.seq === expectedSeq - 1 && head.hash === prevHash;
    return headMatches ? { ok: true, checked, first_bad_id: null } : { ok: false, checked, first_bad_id: lastId };
  }

  /**
   * Rewrites the `changes` of past entries (anonymisation, docs/security.md "Anonymisation and the
   * audit chain") and re-chains from the first rewritten entry to the head, inside the caller's
   * transaction and under the chain lock. It refuses a chain that does not verify first, so a
   * rewrite can never launder earlier tampering. `rewrite` returns the new changes, or null to keep
   * an entry. Returns what it did, for the checkpoint entry the caller appends next.
   */
  async rewriteEntries(
    trx: Tx,
    candidates: (trx: Tx) => Promise<AuditLogRow[]>,
    rewrite: (changes: Changes, entry: AuditLogRow) => Changes | null,
  ): Promise<{ rewritten: number; fromSeq: number | null; previousHead: string | null }> {
    await auditRepo.lockChain(trx, this.#db.dialect);
    const before = await this.verify(trx);
    if (!before.ok) {
      throw conflict(
        `The audit chain does not verify (first bad entry ${before.first_bad_id ?? "at the end"}); fix that first`,
      );
    }
    const head = await auditRepo.head(trx);
    let fromSeq: number | null = null;
    let rewritten = 0;
    for (const entry of await candidates(trx)) {
      const next = rewrite(JSON.parse(entry.changes) as Changes, entry);
      if (next === null) continue;
      await auditRepo.setChanges(trx, entry.id, JSON.stringify(next));
      rewritten += 1;
      fromSeq = fromSeq === null ? entry.seq : Math.min(fromSeq, entry.seq);
    }
    if (fromSeq === null) return { rewritten, fromSeq, previousHead: head?.hash ?? null };
    // The chain before the first rewritten entry: the entry before it, else the retention
    // checkpoint (older entries were purged), else the genesis.
    let prevHash =
      (await auditRepo.entryBefore(trx, fromSeq))?.hash ?? (await auditRepo.checkpoint(trx))?.hash ?? GENESIS_HASH;
    let lastSeq = fromSeq - 1;
    for (;;) {
      const rows = await auditRepo.chainPage(trx, lastSeq, 1000);
      for (const row of rows) {
        const { hash: _old, ...rest } = row;
        const hash = entryHash({ ...rest, prev_hash: prevHash });
        await auditRepo.setHashes(trx, row.id, prevHash, hash);
        prevHash = hash;
        lastSeq = row.seq;
      }
      if (rows.length < 1000) break;
    }
    await auditRepo.setHead(trx, lastSeq, prevHash);
    return { rewritten, fromSeq, previousHead: head?.hash ?? null };
  }
}

export type AuditLogRow = AuditLogTable;
