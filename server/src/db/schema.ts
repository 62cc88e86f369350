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
  /** Set by an admin-forced reset: the user must choose a new password before doing anything else. */
  must_change_password: ColumnType<boolean | number, boolean | undefined, boolean>;
  anonymised_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
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

export interface LinesTable {
  id: string;
  code: string;
  name: string;
  description: string | null;
  status: string;
  active: Bool;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MachinesTable {
  id: string;
  line_id: string;
  code: string;
  name: string;
  asset_number: string | null;
  manufacturer: string | null;
  model: string | null;
  serial_number: string | null;
  type: string | null;
  status: string;
  status_before_down: string | null;
  retired_at: Timestamp | null;
  notes: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FailureCodesTable {
  id: string;
  code: string;
  name: string;
  category: string | null;
  default_severity: string | null;
  active: Bool;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DowntimeReasonsTable {
  id: string;
  parent_id: string | null;
  code: string;
  name: string;
  category: string;
  counts_as_failure: Bool;
  active: Bool;
  sort_order: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DowntimesTable {
  id: string;
  machine_id: string;
  line_id: string;
  start_datetime: Timestamp;
  end_datetime: Timestamp | null;
  duration_minutes: number | null; // (end − start) in minutes, stored so period sums need no date arithmetic
  category: string;
  reason_id: string | null;
  note: string | null;
  source: string;
  repair_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface RepairsTable {
  id: string;
  machine_id: string;
  line_id: string;
  kind: string;
  status: string;
  start_datetime: Timestamp;
  end_datetime: Timestamp | null;
  title: string;
  description: string | null;
  cause: string | null;
  actions_taken: string | null;
  parts_used: string | null;
  cost: number | null;
  failure_code_id: string | null;
  downtime_id: string | null;
  performed_by: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ToolsTable {
  id: string;
  asset_number: string;
  name: string;
  part_number: string | null;
  description: string | null;
  manufacturer: string | null;
  cavity_count: number;
  active_cavities: number | null;
  status: string;
  location: string | null;
  machine_id: string | null;
  rated_life_shots: number | null;
  lifetime_shots: ColumnType<number, number | undefined, number>;
  retired_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ToolMountsTable {
  id: string;
  tool_id: string;
  machine_id: string;
  mounted_at: Timestamp;
  unmounted_at: Timestamp | null;
  mounted_by: string | null;
  unmounted_by: string | null;
}

export interface ShotEntriesTable {
  id: string;
  tool_id: string;
  machine_id: string | null;
  delta: number;
  total: number | null;
  counter_reset: Bool;
  source: string;
  recorded_at: Timestamp;
  external_id: string | null;
  created_by: string | null;
  request_id: string | null;
  created_at: Timestamp;
}

export interface ShotCountersTable {
  key: string; // `tool:<id>:<source>` or `machine:<id>`
  last_value: number;
  last_recorded_at: Timestamp;
  updated_at: Timestamp;
}

export interface MaintenancePlansTable {
  id: string;
  tool_id: string | null;
  machine_id: string | null;
  name: string;
  activity: string;
  interval_shots: number | null;
  interval_days: number | null;
  warn_at_percent: number;
  checklist_template_id: string | null;
  active: Bool;
  last_done_at: Timestamp;
  last_done_shots: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IntegrationEventsTable {
  id: string;
  channel: string;
  topic: string;
  payload: string;
  status: string;
  error: string | null;
  received_at: Timestamp;
}

export interface OpcuaSourcesTable {
  id: string;
  endpoint_url: string;
  node_id: string;
  machine_id: string | null;
  tool_id: string | null;
  kind: string;
  active: Bool;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChecklistTemplatesTable {
  id: string;
  /** The newest version; logs name the version they used. */
  version: number;
  active: Bool;
  /** Shipped by a migration rather than written by an engineer. */
  builtin: Bool;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The content of each version of a template, kept for as long as a log may point at it. */
export interface ChecklistTemplateVersionsTable {
  template_id: string;
  version: number;
  name: string;
  description: string | null;
  applies_to: string; // tool | machine | any
  steps: string; // JSON [{ id, text, kind, required, unit, min, max, guidance }]
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MaintenanceLogsTable {
  id: string;
  tool_id: string | null;
  machine_id: string | null;
  plan_id: string | null;
  template_id: string | null;
  template_version: number | null;
  kind: string;
  performed_by: string;
  performed_at: Timestamp;
  duration_minutes: number | null;
  shots_at: number | null;
  results: string; // JSON [{ step_id, value, passed, note }]
  observations: string | null;
  spare_parts: string; // JSON [{ part, quantity }]
  cleaning_agents: string | null;
  follow_up_required: Bool;
  status: string; // draft | completed | signed
  completed_at: Timestamp | null;
  signed_by: string | null;
  signed_at: Timestamp | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A failed step or a follow-up flag of a completed log, waiting to become an action (issue 6). */
export interface MaintenanceActionRequestsTable {
  id: string;
  maintenance_log_id: string;
  reason: string; // failed_step | follow_up
  step_id: string | null;
  title: string;
  note: string | null;
  action_id: string | null; // set when the request has become an action
  created_at: Timestamp;
}

/** Pre-aggregated downtime minutes and counts by start day or month (migration 0006, kept by triggers). */
export interface DowntimeTotalsTable {
  bucket: string;
  line_id: string;
  category: string;
  /** The reason id, or '' for none. */
  reason_key: string;
  minutes: number;
  count: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  settings: SettingsTable;
  lines: LinesTable;
  machines: MachinesTable;
  failure_codes: FailureCodesTable;
  downtime_reasons: DowntimeReasonsTable;
  downtimes: DowntimesTable;
  downtime_day_totals: DowntimeTotalsTable;
  downtime_month_totals: DowntimeTotalsTable;
  repairs: RepairsTable;
  tools: ToolsTable;
  tool_mounts: ToolMountsTable;
  shot_entries: ShotEntriesTable;
  shot_counters: ShotCountersTable;
  maintenance_plans: MaintenancePlansTable;
  integration_events: IntegrationEventsTable;
  opcua_sources: OpcuaSourcesTable;
  checklist_templates: ChecklistTemplatesTable;
  checklist_template_versions: ChecklistTemplateVersionsTable;
  maintenance_logs: MaintenanceLogsTable;
  maintenance_action_requests: MaintenanceActionRequestsTable;
}

export const toBool = (value: boolean | number): boolean => value === true || value === 1;
