/**
 * Administration (SPEC §2, §4, §8, §11): users and roles, downtime reasons, checklist templates,
 * OPC UA sources and inbound integration events. Every operation is GraphQL; the server checks
 * the permission (users:write, catalog:write, checklists:write, settings:write).
 */
import type { Role } from "../auth/user";
import { flatten, PAGE_INFO, type Connection, type DowntimeCategory, type Page } from "./plant";
import type { StepKind } from "./inspections";
import { request } from "./session";

// ---------------------------------------------------------------- users

export interface AdminUser {
  id: string;
  username: string;
  fullName: string | null;
  email: string | null;
  role: Role;
  locale: string | null;
  active: boolean;
  lastLoginAt: string | null;
}

const USER = "id username fullName email role locale active lastLoginAt";
export const USERS_PAGE = 50;

export interface UserFilter {
  q: string;
  /** "" all, "yes" active only, "no" deactivated only. */
  active: "" | "yes" | "no";
}

export async function fetchUsers(filter: UserFilter, after: string | null): Promise<Page<AdminUser>> {
  const data = await request<{ users: Connection<AdminUser> }>(
    `query Users($after: String, $q: String, $active: Boolean) {
      users(first: ${USERS_PAGE}, after: $after, q: $q, active: $active) { edges { node { ${USER} } } ${PAGE_INFO} }
    }`,
    { after, q: filter.q.trim() || null, active: filter.active === "" ? null : filter.active === "yes" },
  );
  return flatten(data.users);
}

export interface NewUser {
  username: string;
  fullName: string;
  email: string;
  role: Role;
  password: string;
}

export async function createUser(input: NewUser): Promise<AdminUser> {
  const body = Object.fromEntries(
    Object.entries(input).filter(([key, value]) => ["username", "password", "role"].includes(key) || value !== ""),
  );
  const data = await request<{ createUser: AdminUser }>(
    `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { ${USER} } }`,
    { input: body },
  );
  return data.createUser;
}

export interface UserPatch {
  role?: Role;
  active?: boolean;
  password?: string;
  fullName?: string | null;
  email?: string | null;
}

export async function updateUser(id: string, input: UserPatch): Promise<AdminUser> {
  const data = await request<{ updateUser: AdminUser }>(
    `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER} } }`,
    { id, input },
  );
  return data.updateUser;
}

// ---------------------------------------------------------------- downtime reasons

export interface AdminReason {
  id: string;
  code: string;
  name: string;
  category: DowntimeCategory;
  countsAsFailure: boolean;
  active: boolean;
  sortOrder: number;
  children: AdminReason[];
}

const REASON = "id code name category countsAsFailure active sortOrder";

/** The whole two-level tree, inactive reasons included (greyed on the page). */
export async function fetchAllReasons(): Promise<AdminReason[]> {
  const data = await request<{ downtimeReasons: Connection<AdminReason> }>(
    `query AdminReasons {
      downtimeReasons(topLevel: true, includeInactive: true, first: 100) {
        edges { node { ${REASON} children(includeInactive: true) { ${REASON} } } } ${PAGE_INFO}
      }
    }`,
  );
  return flatten(data.downtimeReasons).items.map((group) => ({
    ...group,
    children: (group.children ?? []).map((child) => ({ ...child, children: [] })),
  }));
}

export interface NewReason {
  code: string;
  name: string;
  category: DowntimeCategory;
  countsAsFailure: boolean;
  parentId: string | null;
}

export async function createReason(input: NewReason): Promise<AdminReason> {
  const { parentId, ...rest } = input;
  const data = await request<{ createDowntimeReason: AdminReason }>(
    `mutation CreateReason($input: CreateDowntimeReasonInput!) { createDowntimeReason(input: $input) { ${REASON} } }`,
    // A child takes its group's category on the server; sending one would be refused as a mismatch.
    { input: parentId ? { code: rest.code, name: rest.name, countsAsFailure: rest.countsAsFailure, parentId } : rest },
  );
  return data.createDowntimeReason;
}

export async function updateReason(
  id: string,
  input: { name?: string; active?: boolean; countsAsFailure?: boolean },
): Promise<AdminReason> {
  const data = await request<{ updateDowntimeReason: AdminReason }>(
    `mutation UpdateReason($id: ID!, $input: UpdateDowntimeReasonInput!) { updateDowntimeReason(id: $id, input: $input) { ${REASON} } }`,
    { id, input },
  );
  return data.updateDowntimeReason;
}

// ---------------------------------------------------------------- checklist templates

export type AppliesTo = "any" | "tool" | "machine";
export const STEP_KINDS: StepKind[] = ["check", "pass_fail", "number", "text", "photo"];

export interface TemplateStep {
  id: string | null;
  text: string;
  kind: StepKind;
  required: boolean;
  unit: string | null;
  min: number | null;
  max: number | null;
  guidance: string | null;
}

export interface AdminTemplate {
  id: string;
  name: string;
  description: string | null;
  appliesTo: AppliesTo;
  active: boolean;
  builtin: boolean;
  version: number;
  latestVersion: number;
  versionCreatedAt: string;
  steps: TemplateStep[];
  versions: { version: number; name: string; createdAt: string }[];
}

const TEMPLATE_SUMMARY = "id name description appliesTo active builtin version latestVersion";
const TEMPLATE = `${TEMPLATE_SUMMARY} versionCreatedAt steps { id text kind required unit min max guidance }
  versions { version name createdAt }`;

export async function fetchAllTemplates(after: string | null): Promise<Page<AdminTemplate>> {
  const data = await request<{ checklistTemplates: Connection<AdminTemplate> }>(
    `query AdminTemplates($after: String) {
      checklistTemplates(first: 100, after: $after, includeInactive: true) { edges { node { ${TEMPLATE_SUMMARY} } } ${PAGE_INFO} }
    }`,
    { after },
  );
  return flatten(data.checklistTemplates);
}

export async function fetchTemplate(id: string, version: number | null): Promise<AdminTemplate> {
  const data = await request<{ checklistTemplate: AdminTemplate }>(
    `query AdminTemplate($id: ID!, $version: Int) { checklistTemplate(id: $id, version: $version) { ${TEMPLATE} } }`,
    { id, version },
  );
  return data.checklistTemplate;
}

export interface TemplateInput {
  name: string;
  description: string | null;
  appliesTo: AppliesTo;
  active: boolean;
  steps: TemplateStep[];
}

function stepInput(step: TemplateStep) {
  const numeric = step.kind === "number";
  return {
    ...(step.id ? { id: step.id } : {}),
    text: step.text,
    kind: step.kind,
    required: step.required,
    guidance: step.guidance?.trim() || null,
    unit: numeric ? step.unit?.trim() || null : null,
    min: numeric ? step.min : null,
    max: numeric ? step.max : null,
  };
}

export async function saveTemplate(id: string | null, input: TemplateInput): Promise<AdminTemplate> {
  const body = { ...input, description: input.description?.trim() || null, steps: input.steps.map(stepInput) };
  if (id) {
    const data = await request<{ updateChecklistTemplate: AdminTemplate }>(
      `mutation UpdateTemplate($id: ID!, $input: UpdateChecklistTemplateInput!) { updateChecklistTemplate(id: $id, input: $input) { ${TEMPLATE} } }`,
      { id, input: body },
    );
    return data.updateChecklistTemplate;
  }
  const data = await request<{ createChecklistTemplate: AdminTemplate }>(
    `mutation CreateTemplate($input: CreateChecklistTemplateInput!) { createChecklistTemplate(input: $input) { ${TEMPLATE} } }`,
    { input: body },
  );
  return data.createChecklistTemplate;
}

// ---------------------------------------------------------------- integrations

export type OpcuaKind = "machine_cycle_counter" | "mould_lifetime_counter";

export interface OpcuaSource {
  id: string;
  kind: OpcuaKind;
  endpointUrl: string;
  nodeId: string;
  active: boolean;
  machine: { id: string; code: string; name: string } | null;
  tool: { id: string; assetNumber: string; name: string } | null;
  connection: {
    state: string | null;
    lastError: string | null;
    lastReceivedAt: string | null;
    lastValue: number | null;
  } | null;
}

const SOURCE = `id kind endpointUrl nodeId active machine { id code name } tool { id assetNumber name }
  connection { state lastError lastReceivedAt lastValue }`;

export async function fetchOpcuaSources(): Promise<OpcuaSource[]> {
  const data = await request<{ opcuaSources: Connection<OpcuaSource> }>(
    `query OpcuaSources { opcuaSources(first: 200) { edges { node { ${SOURCE} } } ${PAGE_INFO} } }`,
  );
  return flatten(data.opcuaSources).items;
}

export interface SourceInput {
  kind: OpcuaKind;
  endpointUrl: string;
  nodeId: string;
  active: boolean;
  machineId: string | null;
  toolId: string | null;
}

export async function saveOpcuaSource(id: string | null, input: SourceInput): Promise<OpcuaSource> {
  // A machine counter names a machine, a mould counter a tool: only the one that fits is sent.
  const body = {
    kind: input.kind,
    endpointUrl: input.endpointUrl.trim(),
    nodeId: input.nodeId.trim(),
    active: input.active,
    ...(input.kind === "machine_cycle_counter" ? { machineId: input.machineId } : { toolId: input.toolId }),
  };
  if (id) {
    const data = await request<{ updateOpcuaSource: OpcuaSource }>(
      `mutation UpdateSource($id: ID!, $input: UpdateOpcuaSourceInput!) { updateOpcuaSource(id: $id, input: $input) { ${SOURCE} } }`,
      { id, input: body },
    );
    return data.updateOpcuaSource;
  }
  const data = await request<{ createOpcuaSource: OpcuaSource }>(
    `mutation CreateSource($input: CreateOpcuaSourceInput!) { createOpcuaSource(input: $input) { ${SOURCE} } }`,
    { input: body },
  );
  return data.createOpcuaSource;
}

export async function deleteOpcuaSource(id: string): Promise<void> {
  await request(`mutation DeleteSource($id: ID!) { deleteOpcuaSource(id: $id) { id } }`, { id });
}

export type EventStatus = "stored" | "duplicate" | "ignored" | "rejected";

export interface IntegrationEvent {
  id: string;
  channel: "mqtt" | "opcua";
  topic: string | null;
  status: EventStatus;
  error: string | null;
  receivedAt: string;
  payload: string | null;
}

export async function fetchEvents(
  filter: { channel: "" | "mqtt" | "opcua"; status: "" | EventStatus },
  after: string | null,
): Promise<Page<IntegrationEvent>> {
  const data = await request<{ integrationEvents: Connection<IntegrationEvent> }>(
    `query Events($after: String, $channel: IntegrationChannel, $status: IntegrationEventStatus) {
      integrationEvents(first: 50, after: $after, channel: $channel, status: $status) {
        edges { node { id channel topic status error receivedAt payload } } ${PAGE_INFO}
      }
    }`,
    { after, channel: filter.channel || null, status: filter.status || null },
  );
  return flatten(data.integrationEvents);
}

// ---------------------------------------------------------------- settings and backups

export interface PlantSettings {
  plantName: string | null;
  defaultLocale: string;
  updatedAt: string | null;
}

export async function fetchSettings(): Promise<PlantSettings> {
  return (
    await request<{ settings: PlantSettings }>(`query Settings { settings { plantName defaultLocale updatedAt } }`)
  ).settings;
}

export async function updateSettings(input: {
  plantName: string | null;
  defaultLocale: string;
}): Promise<PlantSettings> {
  const data = await request<{ updateSettings: PlantSettings }>(
    `mutation UpdateSettings($input: UpdateSettingsInput!) { updateSettings(input: $input) { plantName defaultLocale updatedAt } }`,
    { input },
  );
  return data.updateSettings;
}

export interface BackupRun {
  id: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  file: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  error: string | null;
  instance: string | null;
  /** Only when the server reports it (an encrypted-archive flag may come with a later server). */
  encrypted?: boolean | null;
}

export async function fetchBackups(after: string | null): Promise<Page<BackupRun>> {
  const data = await request<{ backups: Connection<BackupRun> }>(
    `query Backups($after: String) { backups(first: 50, after: $after) { edges { node { id status trigger startedAt finishedAt file sizeBytes sha256 error instance } } ${PAGE_INFO} } }`,
    { after },
  );
  return flatten(data.backups);
}

export async function startBackup(): Promise<BackupRun> {
  const data = await request<{ startBackup: BackupRun }>(
    `mutation StartBackup { startBackup { id status trigger startedAt finishedAt file sizeBytes sha256 error instance } }`,
  );
  return data.startBackup;
}
