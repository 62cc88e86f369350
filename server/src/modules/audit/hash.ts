import { createHash } from "node:crypto";
import type { AuditLogTable } from "../../db/schema.ts";

export const GENESIS_HASH = "0".repeat(64);

/** The hash of an entry covers every column but itself, and the previous entry's hash. */
export function entryHash(entry: Omit<AuditLogTable, "hash">): string {
  const canonical = JSON.stringify([
    entry.seq,
    entry.id,
    entry.at,
    entry.actor_id,
    entry.action,
    entry.entity_type,
    entry.entity_id,
    entry.changes,
    entry.request_id,
    entry.prev_hash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
