/**
 * The kinds of record retention can remove (docs/operations.md "Retention"). Each names the
 * rows that are older than the cutoff; rules say how many days to keep (null: forever).
 * Photo kinds also remove the photo's files from the store, after their rows are gone.
 */
export interface RetentionKind {
  kind: string;
  description: string;
  /** Days kept when no admin rule exists; null keeps forever. */
  defaultKeepDays: number | null;
  /** The shortest an admin may set. */
  minKeepDays: number;
}

export const RETENTION_KINDS = [
  {
    kind: "integration_events",
    description: "Raw machine messages (MQTT, OPC UA) by time received; shot entries stay",
    defaultKeepDays: 30,
    minKeepDays: 1,
  },
  {
    kind: "notifications",
    description: "Notifications by time created (only where the notifications table exists)",
    defaultKeepDays: 180,
    minKeepDays: 7,
  },
  {
    kind: "job_runs",
    description: "Records of scheduled job runs by start time",
    defaultKeepDays: 90,
    minKeepDays: 7,
  },
  {
    kind: "sessions",
    description: "Login sessions (and their refresh tokens) expired or revoked that long ago",
    defaultKeepDays: 30,
    minKeepDays: 1,
  },
  {
    kind: "deleted_downtimes",
    description: "Soft-deleted downtimes by deletion time (not those a repair points to)",
    defaultKeepDays: null,
    minKeepDays: 30,
  },
  {
    kind: "retired_tool_photos",
    description:
      "Photos of a retired tool itself (with their files), by the tool's retirement time; photos of its failure reports, logs and actions stay",
    defaultKeepDays: null,
    minKeepDays: 30,
  },
  {
    kind: "deleted_photos",
    description: "Deleted photos (and their files) by deletion time",
    defaultKeepDays: 30,
    minKeepDays: 1,
  },
  {
    kind: "analytics_reports",
    description:
      "Stored PDF reports by time requested; never one queued or being made, nor one a mail still waiting to go carries",
    defaultKeepDays: 365,
    minKeepDays: 7,
  },
  {
    kind: "audit_log",
    description:
      "Audit entries by time; the hash of the last removed entry is kept as a checkpoint, so the rest still verifies",
    defaultKeepDays: null,
    minKeepDays: 365,
  },
] as const satisfies readonly RetentionKind[];

export type RetentionKindName = (typeof RETENTION_KINDS)[number]["kind"];
export const KIND_NAMES = RETENTION_KINDS.map((k) => k.kind) as [RetentionKindName, ...RetentionKindName[]];
