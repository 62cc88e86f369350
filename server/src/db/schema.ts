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
  description: string | null;
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

/** The day totals summed over the lines (migration 0013, kept by triggers): plant series read these. */
export interface PlantDowntimeTotalsTable {
  bucket: string;
  category: string;
  reason_key: string;
  minutes: number;
  count: number;
}

export interface FailureReportsTable {
  id: string;
  tool_id: string | null;
  machine_id: string | null;
  failure_code_id: string;
  severity: string; // low | medium | high | critical
  occurred_at: Timestamp;
  description: string | null;
  affected_components: string; // JSON array of strings
  impacted_part_numbers: string; // JSON array of strings
  containment_action: string | null;
  root_cause: string | null;
  root_cause_category: string | null; // man | machine | method | material | measurement | environment
  status: string; // open | investigating | closed
  shots_at: number | null;
  reported_by: string;
  closed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ActionsTable {
  id: string;
  title: string;
  description: string | null;
  kind: string; // containment | corrective | preventive | follow_up
  priority: string; // low | medium | high | critical
  assignee_id: string | null;
  due_date: string | null; // YYYY-MM-DD
  status: string; // open | in_progress | completed | verified | cancelled
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  completed_by: string | null;
  completion_note: string | null;
  verified_at: Timestamp | null;
  verified_by: string | null;
  cancelled_at: Timestamp | null;
  failure_report_id: string | null;
  tool_id: string | null;
  machine_id: string | null;
  repair_id: string | null;
  maintenance_log_id: string | null;
  plan_id: string | null;
  plan_cycle: Timestamp | null; // the plan interval an automatic action belongs to
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string | null;
  entity_type: string | null;
  entity_id: string | null;
  dedupe_key: string | null;
  read_at: Timestamp | null;
  created_at: Timestamp;
}

export interface NotificationPreferencesTable {
  user_id: string;
  kind: string;
  email: Bool;
  updated_at: Timestamp;
}

export interface EmailOutboxTable {
  id: string;
  notification_id: string | null;
  to_address: string;
  subject: string;
  body: string;
  status: string; // pending | sent | failed
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  /** A report (analytics_reports) sent as this mail's PDF attachment. */
  attachment_report_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Accepted shots per tool and UTC day (migration 0012), kept in the shots' write transaction. */
export interface ToolShotDayTotalsTable {
  tool_id: string;
  day: string; // YYYY-MM-DD
  shots: number;
  entries: number;
}

export interface AnalyticsReportsTable {
  id: string;
  kind: string; // period | weekly
  title: string;
  period_from: Timestamp;
  period_to: Timestamp;
  line_id: string | null;
  status: string; // queued | running | ok | failed
  error: string | null;
  content: Uint8Array | null;
  size_bytes: number | null;
  pages: number | null;
  schedule_key: string | null;
  requested_by: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface PhotosTable {
  id: string;
  entity_type: string;
  entity_id: string;
  caption: string | null;
  angle: string | null;
  format: string; // jpeg | png | webp: the stored original's format
  sha256: string; // of the uploaded bytes
  byte_size: number; // of the uploaded bytes
  width: number; // after orientation
  height: number;
  display_width: number;
  display_height: number;
  taken_at: Timestamp | null;
  storage_key: string; // object key prefix: <key>/original, <key>/display, <key>/thumb
  encrypted: Bool;
  annotations: string; // JSON array of shapes
  annotations_version: number;
  annotated_by: string | null;
  annotated_at: Timestamp | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  deleted_by: string | null;
}

export interface JobRunsTable {
  id: string;
  name: string;
  scheduled_for: Timestamp;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  outcome: string; // running | ok | failed
  error: string | null;
  instance: string;
}

export interface BackupsTable {
  id: string;
  status: string; // running | ok | failed
  trigger: string; // api | schedule | cli
  started_at: Timestamp;
  finished_at: Timestamp | null;
  file: string | null;
  size_bytes: number | null;
  sha256: string | null;
  error: string | null;
  actor_id: string | null;
  instance: string;
  /** Boolean (0/1 on SQLite). */
  encrypted: boolean | number;
  /** Public id of the master key an encrypted archive needs. */
  key_id: string | null;
}

export interface KeyRotationsTable {
  id: string;
  status: string; // running | done | failed
  trigger: string; // cli | api
  from_key_id: string;
  to_key_id: string;
  database_rekeyed: boolean | number;
  photos_total: number;
  photos_done: number;
  last_photo_id: string | null;
  started_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
  error: string | null;
  actor_id: string | null;
}

export interface RetentionRulesTable {
  kind: string;
  keep_days: number | null;
  updated_at: Timestamp;
  updated_by: string | null;
}

/** One row (id = 1): the last audit entry removed by retention; verification continues from it. */
export interface AuditCheckpointTable {
  id: number;
  seq: number;
  hash: string;
  at: Timestamp;
  purged_at: Timestamp;
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
  downtime_plant_day_totals: PlantDowntimeTotalsTable;
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
  failure_reports: FailureReportsTable;
  actions: ActionsTable;
  notifications: NotificationsTable;
  notification_preferences: NotificationPreferencesTable;
  email_outbox: EmailOutboxTable;
  tool_shot_day_totals: ToolShotDayTotalsTable;
  analytics_reports: AnalyticsReportsTable;
  photos: PhotosTable;
  job_runs: JobRunsTable;
  backups: BackupsTable;
  key_rotations: KeyRotationsTable;
  retention_rules: RetentionRulesTable;
  audit_checkpoint: AuditCheckpointTable;
}

export const toBool = (value: boolean | number): boolean => value === true || value === 1;
