/**
 * Maintenance logs run on a checklist (SPEC §8): templates to pick from, the log with its
 * checklist version and results, saving, completing and signing.
 */
import { flatten, PAGE_INFO, type Connection } from "./plant";
import { request } from "./session";

export const LOG_KINDS = [
  "post_run_inspection",
  "preventive",
  "cleaning",
  "lubrication",
  "spare_part_replacement",
  "storage",
  "other",
] as const;
export type LogKind = (typeof LOG_KINDS)[number];
export type LogStatus = "draft" | "completed" | "signed";
export type StepKind = "check" | "pass_fail" | "number" | "text" | "photo";

export interface TemplateSummary {
  id: string;
  name: string;
  description: string | null;
  version: number;
  appliesTo: string;
}

export interface Step {
  id: string;
  text: string;
  kind: StepKind;
  required: boolean;
  unit: string | null;
  min: number | null;
  max: number | null;
  guidance: string | null;
}

export type StepValue = boolean | number | string | null;

export interface Result {
  stepId: string;
  value: StepValue;
  passed: boolean | null;
  note: string | null;
}

export interface MaintenanceLog {
  id: string;
  toolId: string | null;
  tool: { id: string; assetNumber: string; name: string } | null;
  machineId: string | null;
  machine: { id: string; code: string; name: string } | null;
  planId: string | null;
  kind: LogKind;
  status: LogStatus;
  performedBy: string;
  performedAt: string;
  shotsAt: number | null;
  template: { id: string; name: string; version: number; steps: Step[] } | null;
  results: Result[];
  observations: string | null;
  followUpRequired: boolean;
  completedAt: string | null;
  signedBy: string | null;
  signedAt: string | null;
  actionRequests: { id: string; title: string; note: string | null }[];
}

const LOG = `id toolId tool { id assetNumber name } machineId machine { id code name } planId kind status performedBy
  performedAt shotsAt template { id name version steps { id text kind required unit min max guidance } }
  results { stepId value passed note } observations followUpRequired completedAt signedBy signedAt
  actionRequests { id title note }`;

/** Active checklists for a tool or a machine (those for "any" included). */
export async function fetchTemplates(appliesTo: "tool" | "machine"): Promise<TemplateSummary[]> {
  const data = await request<{ checklistTemplates: Connection<TemplateSummary> }>(
    `query Templates($appliesTo: ChecklistAppliesTo) {
      checklistTemplates(appliesTo: $appliesTo, first: 100) { edges { node { id name description version appliesTo } } ${PAGE_INFO} }
    }`,
    { appliesTo },
  );
  return flatten(data.checklistTemplates).items;
}

export interface StartInput {
  toolId?: string;
  machineId?: string;
  kind: LogKind;
  /** A checklist; absent with a plan: the plan's own checklist. */
  templateId?: string;
  planId?: string;
}

/** Starts a draft log now, by the caller. */
export async function startLog(input: StartInput): Promise<{ id: string }> {
  const data = await request<{ createMaintenanceLog: { id: string } }>(
    `mutation StartLog($input: CreateMaintenanceLogInput!) { createMaintenanceLog(input: $input) { id } }`,
    { input },
  );
  return data.createMaintenanceLog;
}

export async function fetchLog(id: string): Promise<MaintenanceLog> {
  const data = await request<{ maintenanceLog: MaintenanceLog }>(
    `query Log($id: ID!) { maintenanceLog(id: $id) { ${LOG} } }`,
    { id },
  );
  return data.maintenanceLog;
}

export interface LogInput {
  results: { stepId: string; value: StepValue; passed?: boolean | null; note?: string | null }[];
  observations: string | null;
  followUpRequired: boolean;
  /** "completed" completes; absent keeps the state. */
  status?: "completed";
}

export async function saveLog(id: string, input: LogInput): Promise<MaintenanceLog> {
  const data = await request<{ updateMaintenanceLog: MaintenanceLog }>(
    `mutation SaveLog($id: ID!, $input: UpdateMaintenanceLogInput!) { updateMaintenanceLog(id: $id, input: $input) { ${LOG} } }`,
    { id, input },
  );
  return data.updateMaintenanceLog;
}

/** Signs with the caller's password again; a wrong one is FORBIDDEN with the detail `wrong_password`. */
export async function signLog(id: string, password: string): Promise<MaintenanceLog> {
  const data = await request<{ signMaintenanceLog: MaintenanceLog }>(
    `mutation SignLog($id: ID!, $password: String!) { signMaintenanceLog(id: $id, password: $password) { ${LOG} } }`,
    { id, password },
  );
  return data.signMaintenanceLog;
}

/**
 * The required steps the server found without an answer when completing: one detail each,
 * `code: required_step_missing`, with the step in the field (`results.<step id>`).
 */
export function missingSteps(details: { code?: string; field: string }[]): string[] {
  return details.flatMap((d) =>
    d.code === "required_step_missing" && d.field.startsWith("results.") ? [d.field.slice("results.".length)] : [],
  );
}
