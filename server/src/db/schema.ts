import type { ColumnType } from "kysely";

/**
 * Table types for Kysely. Conventions that hold on both databases:
 * - ids are UUIDv7 text;
 * - timestamps are ISO 8601 UTC strings in and out (PostgreSQL `timestamptz` is parsed back to ISO in db/index.ts);
 * - booleans are `boolean` on PostgreSQL and 0/1 on SQLite: read them through `toBool`;
 * - JSON documents are stored as text, so that hashes over them are stable.
 */
export type Timestamp = string;
export type Bool = ColumnType<boolean | number, boolean, boolean>;

export interface UsersTable {
  id: string;
  username: string;
  username_key: string; // lower-cased username: the unique, case-insensitive key
  full_name: string | null;
  email: string | null;
  role: string;
  active: Bool;
  locale: string;
  password_hash: string;
  failed_login_count: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_login_at: Timestamp | null;
}

export interface SessionsTable {
  id: string; // the refresh-token family; access tokens carry it as `sid`
  user_id: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  user_agent: string | null;
  ip: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface AuditLogTable {
  id: string;
  seq: number;
  at: Timestamp;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  changes: string; // JSON { field: [old, new] }
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1): the newest entry of the chain, so that deleting the tail is detected too. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Timestamp;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  settings: SettingsTable;
}

export const toBool = (value: boolean | number): boolean => value === true || value === 1;
