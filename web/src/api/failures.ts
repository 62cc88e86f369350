/** Failure reports, the failure-code catalogue and actions (SPEC §9), over GraphQL. */
import { flatten, PAGE_INFO, type Connection, type Page } from "./plant";
import { request } from "./session";

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const FAILURE_STATUSES = ["open", "investigating", "closed"] as const;
export type FailureStatus = (typeof FAILURE_STATUSES)[number];
export const ROOT_CAUSE_CATEGORIES = ["man", "machine", "method", "material", "measurement", "environment"] as const;
export type RootCauseCategory = (typeof ROOT_CAUSE_CATEGORIES)[number];

export interface FailureCode {
  id: string;
  code: string;
  name: string;
  description: string | null;
  category: string;
  defaultSeverity: Severity;
  active: boolean;
}

export async function fetchFailureCodes(): Promise<FailureCode[]> {
  const data = await request<{ failureCodes: FailureCode[] }>(
    `query FailureCodes { failureCodes(active: true) { id code name description category defaultSeverity active } }`,
  );
  return data.failureCodes;
}

interface Owner {
  tool: { id: string; assetNumber: string; name: string } | null;
  machine: { id: string; code: string; name: string } | null;
}

export interface FailureSummary extends Owner {
  id: string;
  status: FailureStatus;
  severity: Severity;
  occurredAt: string;
  description: string | null;
  failureCode: { id: string; code: string; name: string } | null;
}

export interface FailureFilter {
  status?: FailureStatus;
  severity?: Severity;
  toolId?: string;
  machineId?: string;
  failureCodeId?: string;
  from?: string;
  to?: string;
}

const SUMMARY = `id status severity occurredAt description failureCode { id code name }
  tool { id assetNumber name } machine { id code name }`;

export async function fetchFailures(
  filter: FailureFilter,
  after: string | null,
  first = 30,
): Promise<Page<FailureSummary>> {
  const data = await request<{ failureReports: Connection<FailureSummary> }>(
    `query Failures($first: Int, $after: String, $status: FailureReportStatus, $severity: FailureSeverity, $toolId: ID, $machineId: ID, $failureCodeId: ID, $from: String, $to: String) {
      failureReports(first: $first, after: $after, status: $status, severity: $severity, toolId: $toolId, machineId: $machineId, failureCodeId: $failureCodeId, from: $from, to: $to) {
        edges { node { ${SUMMARY} } } ${PAGE_INFO}
      }
    }`,
    { first, after, ...filter },
  );
  return flatten(data.failureReports);
}

export interface Photo {
  id: string;
  caption: string | null;
  width: number;
  height: number;
  displayWidth: number;
  displayHeight: number;
  createdAt: string;
  createdBy: string;
  annotations: unknown[];
  annotationsVersion: number;
}
export const PHOTO_FIELDS =
  "id caption width height displayWidth displayHeight createdAt createdBy annotations annotationsVersion";

export interface FailureReport extends FailureSummary {
  containmentAction: string | null;
  rootCause: string | null;
  rootCauseCategory: RootCauseCategory | null;
  affectedComponents: string[];
  shotsAt: number | null;
  reportedBy: string;
  closedAt: string | null;
  actions: ActionSummary[];
}

export async function fetchFailure(id: string): Promise<FailureReport> {
  const data = await request<{ failureReport: FailureReport }>(
    `query Failure($id: ID!) {
      failureReport(id: $id) {
        ${SUMMARY} containmentAction rootCause rootCauseCategory affectedComponents shotsAt reportedBy closedAt
        actions { ${ACTION_FIELDS} }
      }
    }`,
    { id },
  );
  return data.failureReport;
}

export interface ReportInput {
  toolId?: string;
  machineId?: string;
  failureCodeId: string;
  severity: Severity;
  description: string | null;
  occurredAt?: string;
}

export async function reportFailure(input: ReportInput): Promise<{ id: string }> {
  const data = await request<{ reportFailure: { id: string } }>(
    `mutation Report($input: ReportFailureInput!) { reportFailure(input: $input) { id } }`,
    { input },
  );
  return data.reportFailure;
}

export interface InvestigationInput {
  status?: FailureStatus;
  containmentAction?: string | null;
  rootCause?: string | null;
  rootCauseCategory?: RootCauseCategory | null;
}

export async function updateFailure(id: string, input: InvestigationInput): Promise<void> {
  await request(
    `mutation UpdateFailure($id: ID!, $input: UpdateFailureReportInput!) { updateFailureReport(id: $id, input: $input) { id } }`,
    {
      id,
      input,
    },
  );
}

// ---------------------------------------------------------------- actions

export const ACTION_STATUSES = ["open", "in_progress", "completed", "verified", "cancelled"] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const ACTION_KINDS = ["containment", "corrective", "preventive", "follow_up"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface ActionSummary extends Owner {
  id: string;
  title: string;
  description: string | null;
  kind: ActionKind;
  priority: Severity;
  status: ActionStatus;
  dueDate: string | null;
  overdue: boolean;
  assigneeId: string | null;
  /** The assignee by name (GraphQL Action.assignee): every reader of the action sees it. */
  assignee: Person | null;
  completionNote: string | null;
  failureReportId: string | null;
  maintenanceLogId: string | null;
  planId: string | null;
  updatedAt: string;
}
const ACTION_FIELDS = `id title description kind priority status dueDate overdue assigneeId assignee { id name } completionNote
  failureReportId maintenanceLogId planId updatedAt tool { id assetNumber name } machine { id code name }`;

/** Someone an action can be assigned to: a name, not an account (GET /api/v1/people). */
export interface Person {
  id: string;
  name: string;
}

/** The active people, by name, for those who assign actions (actions:assign). */
export async function fetchPeople(): Promise<Person[]> {
  const data = await request<{ people: Person[] }>(`query People { people { id name } }`);
  return data.people;
}

export interface ActionFilter {
  mine?: boolean;
  overdue?: boolean;
  status?: ActionStatus;
  failureReportId?: string;
  maintenanceLogId?: string;
  planId?: string;
  machineId?: string;
  toolId?: string;
  priority?: Severity;
}

export async function fetchActions(
  filter: ActionFilter,
  after: string | null,
  first = 50,
): Promise<Page<ActionSummary>> {
  const data = await request<{ actions: Connection<ActionSummary> }>(
    `query Actions($first: Int, $after: String, $mine: Boolean, $overdue: Boolean, $status: ActionStatus, $failureReportId: ID, $maintenanceLogId: ID, $planId: ID, $machineId: ID, $toolId: ID, $priority: ActionPriority) {
      actions(first: $first, after: $after, mine: $mine, overdue: $overdue, status: $status, failureReportId: $failureReportId, maintenanceLogId: $maintenanceLogId, planId: $planId, machineId: $machineId, toolId: $toolId, priority: $priority) {
        edges { node { ${ACTION_FIELDS} } } ${PAGE_INFO}
      }
    }`,
    { first, after, ...filter },
  );
  return flatten(data.actions);
}

export interface ActionInput {
  title: string;
  description: string | null;
  kind: ActionKind;
  priority: Severity;
  dueDate: string | null;
  assigneeId: string | null;
  failureReportId?: string;
  maintenanceLogId?: string;
  planId?: string;
}

export async function createAction(input: ActionInput): Promise<ActionSummary> {
  const data = await request<{ createAction: ActionSummary }>(
    `mutation CreateAction($input: CreateActionInput!) { createAction(input: $input) { ${ACTION_FIELDS} } }`,
    { input },
  );
  return data.createAction;
}

/** The server's moves (docs/failures-and-actions.md): each is refused with 409 if someone moved it first. */
export type ActionMove = "start" | "complete" | "verify" | "reopen" | "cancel";

export async function moveAction(id: string, move: ActionMove, note?: string): Promise<void> {
  switch (move) {
    case "start":
      await request(`mutation($id: ID!) { startAction(id: $id) { id } }`, { id });
      return;
    case "complete":
      await request(`mutation($id: ID!, $n: String!) { completeAction(id: $id, completionNote: $n) { id } }`, {
        id,
        n: note ?? "",
      });
      return;
    case "verify":
      await request(`mutation($id: ID!, $n: String) { verifyAction(id: $id, note: $n) { id } }`, {
        id,
        n: note || null,
      });
      return;
    case "reopen":
      await request(`mutation($id: ID!, $n: String) { reopenAction(id: $id, reason: $n) { id } }`, {
        id,
        n: note || null,
      });
      return;
    case "cancel":
      await request(`mutation($id: ID!, $n: String) { cancelAction(id: $id, reason: $n) { id } }`, {
        id,
        n: note || null,
      });
      return;
  }
}

/** The moves the server allows from a status (who may make them is checked separately). */
export function movesFrom(status: ActionStatus): ActionMove[] {
  switch (status) {
    case "open":
      return ["start", "complete", "cancel"];
    case "in_progress":
      return ["complete", "cancel"];
    case "completed":
      return ["verify", "reopen", "cancel"];
    default:
      return [];
  }
}
