/**
 * Tools (injection moulds), their shots, mounts, maintenance plans and history (SPEC §7):
 * the GraphQL operations the tool screens use, and the registry's CSV import (REST).
 */
import { flatten, PAGE_INFO, type Connection, type Page } from "./plant";
import { request, restRequest } from "./session";

export const TOOL_STATUSES = ["active", "in_maintenance", "stored", "retired"] as const;
export type ToolStatus = (typeof TOOL_STATUSES)[number];
/** What a person may set; `retired` comes only from retiring (a manager's call). */
export const EDITABLE_TOOL_STATUSES = ["active", "in_maintenance", "stored"] as const;
export type PlanStatus = "not_due" | "warning" | "due" | "overdue";

export interface MachineRef {
  id: string;
  code: string;
  name: string;
}

export interface ToolSummary {
  id: string;
  assetNumber: string;
  name: string;
  partNumber: string | null;
  status: ToolStatus;
  location: string | null;
  cavityCount: number;
  activeCavities: number | null;
  ratedLifeShots: number | null;
  lifetimeShots: number;
  machine: MachineRef | null;
}

export interface Plan {
  id: string;
  name: string;
  activity: string;
  intervalShots: number | null;
  intervalDays: number | null;
  status: PlanStatus;
  remainingShots: number | null;
  remainingDays: number | null;
  forecastDueDate: string | null;
  progress: number;
  lastDoneAt: string;
  checklistTemplateId: string | null;
}

export interface ToolMount {
  id: string;
  machine: MachineRef | null;
  mountedAt: string;
  unmountedAt: string | null;
}

export interface Tool extends ToolSummary {
  description: string | null;
  manufacturer: string | null;
  retiredAt: string | null;
  plans: Plan[];
  mounts: ToolMount[];
}

const MACHINE_REF = "id code name";
const TOOL_SUMMARY = `id assetNumber name partNumber status location cavityCount activeCavities ratedLifeShots
  lifetimeShots machine { ${MACHINE_REF} }`;
const PLAN = `id name activity intervalShots intervalDays status remainingShots remainingDays forecastDueDate progress
  lastDoneAt checklistTemplateId`;

export interface ToolFilter {
  q: string;
  location: string;
  /** "" for every status but retired. */
  status: ToolStatus | "";
  /** "" either way. */
  mounted: "" | "yes" | "no";
}

export const NO_FILTER: ToolFilter = { q: "", location: "", status: "", mounted: "" };

export const TOOLS_PAGE = 50;

export async function fetchTools(filter: ToolFilter, after: string | null): Promise<Page<ToolSummary>> {
  const data = await request<{ tools: Connection<ToolSummary> }>(
    `query Tools($after: String, $q: String, $location: String, $status: ToolStatus, $mounted: Boolean) {
      tools(first: ${TOOLS_PAGE}, after: $after, q: $q, location: $location, status: $status, mounted: $mounted) {
        edges { node { ${TOOL_SUMMARY} } } ${PAGE_INFO}
      }
    }`,
    {
      after,
      q: filter.q.trim() || null,
      location: filter.location.trim() || null,
      status: filter.status || null,
      mounted: filter.mounted === "" ? null : filter.mounted === "yes",
    },
  );
  return flatten(data.tools);
}

export async function fetchTool(id: string): Promise<Tool> {
  const data = await request<{ tool: Tool }>(
    `query Tool($id: ID!) {
      tool(id: $id) {
        ${TOOL_SUMMARY} description manufacturer retiredAt
        plans { ${PLAN} }
        mounts { id mountedAt unmountedAt machine { ${MACHINE_REF} } }
      }
    }`,
    { id },
  );
  return data.tool;
}

export interface ToolInput {
  assetNumber: string;
  name: string;
  cavityCount: number | null;
  activeCavities: number | null;
  partNumber: string | null;
  manufacturer: string | null;
  location: string | null;
  ratedLifeShots: number | null;
  lifetimeShots: number | null;
  description: string | null;
}

/**
 * Registers a tool; empty optional fields are left out, so the server's defaults apply. The
 * required ones always go, so an empty one comes back as a field error rather than a schema error.
 */
export async function createTool(input: ToolInput): Promise<{ id: string }> {
  const required = new Set(["assetNumber", "name", "cavityCount"]);
  const body = Object.fromEntries(
    Object.entries(input).filter(([key, value]) => required.has(key) || (value !== null && value !== "")),
  );
  const data = await request<{ createTool: { id: string } }>(
    `mutation CreateTool($input: CreateToolInput!) { createTool(input: $input) { id } }`,
    { input: body },
  );
  return data.createTool;
}

export async function setToolStatus(id: string, status: ToolStatus): Promise<void> {
  await request(
    `mutation ToolStatus($id: ID!, $status: ToolStatus!) { updateTool(id: $id, input: { status: $status }) { id status } }`,
    {
      id,
      status,
    },
  );
}

export async function mountTool(id: string, machineId: string): Promise<void> {
  await request(`mutation MountTool($id: ID!, $machineId: ID!) { mountTool(id: $id, machineId: $machineId) { id } }`, {
    id,
    machineId,
  });
}

/** Takes the tool out of its press; a location says where it went (kept as it was when empty). */
export async function unmountTool(id: string, location: string | null): Promise<void> {
  await request(
    `mutation UnmountTool($id: ID!, $location: String) { unmountTool(id: $id, location: $location) { id } }`,
    {
      id,
      location,
    },
  );
}

/** Adds shots counted by hand (a delta ≥ 1). */
export async function recordShots(toolId: string, count: number | null): Promise<{ delta: number }> {
  const data = await request<{ recordShots: { delta: number } }>(
    `mutation RecordShots($toolId: ID!, $count: Float) {
      recordShots(toolId: $toolId, input: { count: $count, source: manual }) { id delta }
    }`,
    { toolId, count },
  );
  return data.recordShots;
}

// ---------------------------------------------------------------- history

export interface HistoryLog {
  __typename: "MaintenanceLog";
  id: string;
  kind: string;
  status: string;
  performedAt: string;
  shotsAt: number | null;
  template: { name: string } | null;
}
export interface HistoryRepair {
  __typename: "Repair";
  id: string;
  title: string;
  status: string;
  startDatetime: string;
  endDatetime: string | null;
  machine: MachineRef | null;
}
export interface HistoryDowntime {
  __typename: "Downtime";
  id: string;
  category: string;
  startDatetime: string;
  endDatetime: string | null;
  durationMinutes: number | null;
  reason: { id: string; code: string; name: string } | null;
  machine: MachineRef | null;
}
export interface ToolHistoryItem {
  kind: string;
  at: string;
  id: string;
  record: HistoryLog | HistoryRepair | HistoryDowntime;
}

export async function fetchToolHistory(toolId: string, after: string | null): Promise<Page<ToolHistoryItem>> {
  const data = await request<{ history: Connection<ToolHistoryItem> }>(
    `query ToolHistory($toolId: ID!, $after: String) {
      history(toolId: $toolId, first: 20, after: $after) {
        edges { node { kind at id record {
          __typename
          ... on MaintenanceLog { id kind status performedAt shotsAt template { name } }
          ... on Repair { id title status startDatetime endDatetime machine { ${MACHINE_REF} } }
          ... on Downtime { id category startDatetime endDatetime durationMinutes reason { id code name }
                            machine { ${MACHINE_REF} } }
        } } }
        ${PAGE_INFO}
      }
    }`,
    { toolId, after },
  );
  return flatten(data.history);
}

// ---------------------------------------------------------------- CSV import

export interface ImportReport {
  dry_run: boolean;
  created: number;
  updated: number;
  unchanged: number;
  rows: { row: number; asset_number: string; outcome: "created" | "updated" | "unchanged" }[];
}

/** Creates and updates tools from a CSV file: all rows or none (a 422 lists each bad row). */
export function importToolsCsv(csv: string, dryRun: boolean): Promise<ImportReport> {
  return restRequest<ImportReport>(
    "POST",
    `/api/v1/tools/import?dry_run=${dryRun ? "true" : "false"}`,
    csv,
    "text/csv; charset=utf-8",
  );
}
