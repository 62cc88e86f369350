/**
 * The plant's GraphQL operations (SPEC §3–§6) and their result types, written by hand for the
 * fields the screens use. Relay connections are flattened to `{ items, hasNextPage, endCursor }`.
 */
import { request } from "./session";

export type MachineStatus = "operational" | "down" | "maintenance" | "retired";
export type LineStatus = "running" | "maintenance" | "stopped";
export type DowntimeCategory = "unplanned" | "planned" | "excluded";
export type RepairKind = "scheduled" | "unscheduled";
export type RepairStatus = "open" | "in_progress" | "closed";

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function flatten<T>(connection: Connection<T>): Page<T> {
  return {
    items: connection.edges.map((e) => e.node),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  };
}

export const PAGE_INFO = "pageInfo { hasNextPage endCursor }";

// ---------------------------------------------------------------- lines and machines

export interface OngoingDowntime {
  id: string;
  startDatetime: string;
  category: DowntimeCategory;
  reason: { id: string; code: string; name: string } | null;
}

export interface MachineSummary {
  id: string;
  code: string;
  name: string;
  status: MachineStatus;
  currentDowntime: OngoingDowntime | null;
}

export interface LineSummary {
  id: string;
  code: string;
  name: string;
  description: string | null;
  status: LineStatus;
  active: boolean;
}

export interface Machine extends MachineSummary {
  lineId: string;
  line: LineSummary | null;
  assetNumber: string | null;
  manufacturer: string | null;
  model: string | null;
  serialNumber: string | null;
  type: string | null;
  notes: string | null;
  retiredAt: string | null;
}

const ONGOING = "currentDowntime { id startDatetime category reason { id code name } }";
const MACHINE_SUMMARY = `id code name status ${ONGOING}`;
const LINE_SUMMARY = "id code name description status active";

export async function fetchLines(after: string | null): Promise<Page<LineSummary>> {
  const data = await request<{ lines: Connection<LineSummary> }>(
    `query Lines($after: String) { lines(first: 100, after: $after) { edges { node { ${LINE_SUMMARY} } } ${PAGE_INFO} } }`,
    { after },
  );
  return flatten(data.lines);
}

export interface MachineBrief {
  id: string;
  lineId: string;
  code: string;
  name: string;
  status: MachineStatus;
}

/**
 * The first machines of the whole plant, for the overview. Line has no machine count, and
 * nesting machines under each line multiplies the server's query cost by the page sizes, so
 * the overview asks for one flat list and groups it by line.
 */
export const OVERVIEW_MACHINES = 250;

export async function fetchMachineOverview(): Promise<Page<MachineBrief>> {
  const data = await request<{ machines: Connection<MachineBrief> }>(
    `query MachineOverview { machines(first: ${OVERVIEW_MACHINES}) { edges { node { id lineId code name status } } ${PAGE_INFO} } }`,
  );
  return flatten(data.machines);
}

export async function fetchLine(id: string): Promise<LineSummary> {
  const data = await request<{ line: LineSummary }>(`query Line($id: ID!) { line(id: $id) { ${LINE_SUMMARY} } }`, {
    id,
  });
  return data.line;
}

export async function fetchLineMachines(lineId: string, after: string | null): Promise<Page<MachineSummary>> {
  const data = await request<{ machines: Connection<MachineSummary> }>(
    `query LineMachines($lineId: ID!, $after: String) {
      machines(lineId: $lineId, first: 100, after: $after) { edges { node { ${MACHINE_SUMMARY} } } ${PAGE_INFO} }
    }`,
    { lineId, after },
  );
  return flatten(data.machines);
}

export async function fetchMachine(id: string): Promise<Machine> {
  const data = await request<{ machine: Machine }>(
    `query Machine($id: ID!) {
      machine(id: $id) {
        ${MACHINE_SUMMARY} lineId line { ${LINE_SUMMARY} }
        assetNumber manufacturer model serialNumber type notes retiredAt
      }
    }`,
    { id },
  );
  return data.machine;
}

// ---------------------------------------------------------------- KPIs

export interface Kpis {
  from: string;
  to: string;
  machines: number;
  availability: number | null;
  failures: number;
  mttrHours: number | null;
  mtbfHours: number | null;
  unplannedMinutes: number;
  plannedBusyMinutes: number;
}

/** The figures of SPEC §6 over the given number of days up to now. */
export async function fetchKpis(scope: { machineId?: string; lineId?: string }, days: number): Promise<Kpis> {
  const to = new Date();
  const from = new Date(to.getTime() - days * 24 * 60 * 60_000);
  const data = await request<{ kpis: Kpis }>(
    `query Kpis($machineId: ID, $lineId: ID, $from: String!, $to: String!) {
      kpis(machineId: $machineId, lineId: $lineId, from: $from, to: $to) {
        from to machines availability failures mttrHours mtbfHours unplannedMinutes plannedBusyMinutes
      }
    }`,
    {
      machineId: scope.machineId ?? null,
      lineId: scope.lineId ?? null,
      from: from.toISOString(),
      to: to.toISOString(),
    },
  );
  return data.kpis;
}

// ---------------------------------------------------------------- history: downtimes and repairs

export interface ReasonRef {
  id: string;
  code: string;
  name: string;
}

export interface Downtime {
  id: string;
  machineId: string;
  startDatetime: string;
  endDatetime: string | null;
  durationMinutes: number | null;
  ongoing: boolean;
  category: DowntimeCategory;
  reason: (ReasonRef & { parent: ReasonRef | null }) | null;
  note: string | null;
  source: string;
  repairId: string | null;
  repair: { id: string; title: string; status: RepairStatus } | null;
}

export interface Repair {
  id: string;
  machineId: string;
  kind: RepairKind;
  status: RepairStatus;
  startDatetime: string;
  endDatetime: string | null;
  title: string;
  description: string | null;
  cause: string | null;
  actionsTaken: string | null;
  partsUsed: string | null;
  cost: number | null;
  downtimeId: string | null;
}

const REASON_REF = "id code name";
const DOWNTIME = `id machineId startDatetime endDatetime durationMinutes ongoing category note source repairId
  reason { ${REASON_REF} parent { ${REASON_REF} } } repair { id title status }`;
const REPAIR = `id machineId kind status startDatetime endDatetime title description cause actionsTaken partsUsed cost
  downtimeId`;

/** Where each list goes on: a cursor, null for its start, or absent to leave that list out this time. */
export interface HistoryCursor {
  downtimes?: string | null;
  repairs?: string | null;
}

export interface HistoryPage {
  downtimes: Page<Downtime> | null;
  repairs: Page<Repair> | null;
}

/** The next page of a machine's downtimes and repairs, both newest first, in one request. */
export async function fetchHistory(machineId: string, cursor: HistoryCursor, size: number): Promise<HistoryPage> {
  const data = await request<{ downtimes?: Connection<Downtime>; repairs?: Connection<Repair> }>(
    `query History($machineId: ID!, $first: Int!, $dtAfter: String, $rpAfter: String,
                   $withDowntimes: Boolean!, $withRepairs: Boolean!) {
      downtimes(machineId: $machineId, first: $first, after: $dtAfter) @include(if: $withDowntimes) {
        edges { node { ${DOWNTIME} } } ${PAGE_INFO}
      }
      repairs(machineId: $machineId, first: $first, after: $rpAfter) @include(if: $withRepairs) {
        edges { node { ${REPAIR} } } ${PAGE_INFO}
      }
    }`,
    {
      machineId,
      first: size,
      dtAfter: cursor.downtimes ?? null,
      rpAfter: cursor.repairs ?? null,
      withDowntimes: cursor.downtimes !== undefined,
      withRepairs: cursor.repairs !== undefined,
    },
  );
  return {
    downtimes: data.downtimes ? flatten(data.downtimes) : null,
    repairs: data.repairs ? flatten(data.repairs) : null,
  };
}

// ---------------------------------------------------------------- downtimes at the press

export interface ReasonNode {
  id: string;
  code: string;
  name: string;
  category: DowntimeCategory;
  children: ReasonNode[];
}

/** The active two-level reason tree: top-level groups (in their sort order) with their children. */
export async function fetchReasonTree(): Promise<ReasonNode[]> {
  const data = await request<{ downtimeReasons: Connection<ReasonNode> }>(
    `query ReasonTree {
      downtimeReasons(topLevel: true, first: 100) {
        edges { node { id code name category children { id code name category } } } ${PAGE_INFO}
      }
    }`,
  );
  return flatten(data.downtimeReasons).items.map((group) => ({
    ...group,
    children: group.children.map((child) => ({ ...child, children: [] })),
  }));
}

/** Starts a downtime of the machine now (an operator's "machine stopped"). */
export async function startDowntime(machineId: string): Promise<{ id: string; startDatetime: string }> {
  const data = await request<{ createDowntime: { id: string; startDatetime: string } }>(
    `mutation StartDowntime($machineId: ID!) { createDowntime(input: { machineId: $machineId }) { id startDatetime } }`,
    { machineId },
  );
  return data.createDowntime;
}

/** Ends an ongoing downtime now. */
export async function endDowntime(id: string): Promise<{ id: string; durationMinutes: number | null }> {
  const data = await request<{ endDowntime: { id: string; durationMinutes: number | null } }>(
    `mutation EndDowntime($id: ID!) { endDowntime(id: $id) { id endDatetime durationMinutes } }`,
    { id },
  );
  return data.endDowntime;
}

export async function setDowntimeReason(id: string, reasonId: string): Promise<void> {
  await request(
    `mutation SetDowntimeReason($id: ID!, $reasonId: ID!) {
      updateDowntime(id: $id, input: { reasonId: $reasonId }) { id category reason { id } }
    }`,
    { id, reasonId },
  );
}

// ---------------------------------------------------------------- repairs

export interface RepairInput {
  kind: RepairKind;
  status: RepairStatus;
  /** Omitted: now (on create) or unchanged (on update). */
  startDatetime?: string;
  endDatetime: string | null;
  title: string;
  description: string;
  cause: string;
  actionsTaken: string;
  partsUsed: string;
  cost: number | null;
  downtimeId: string | null;
}

export async function createRepair(machineId: string, input: RepairInput): Promise<Repair> {
  const data = await request<{ createRepair: Repair }>(
    `mutation CreateRepair($input: CreateRepairInput!) { createRepair(input: $input) { ${REPAIR} } }`,
    { input: { machineId, ...input } },
  );
  return data.createRepair;
}

export async function updateRepair(id: string, input: RepairInput): Promise<Repair> {
  const data = await request<{ updateRepair: Repair }>(
    `mutation UpdateRepair($id: ID!, $input: UpdateRepairInput!) { updateRepair(id: $id, input: $input) { ${REPAIR} } }`,
    { id, input },
  );
  return data.updateRepair;
}

/** Closes a repair at its recorded end, or now. */
export async function closeRepair(id: string): Promise<Repair> {
  const data = await request<{ closeRepair: Repair }>(
    `mutation CloseRepair($id: ID!) { closeRepair(id: $id) { ${REPAIR} } }`,
    { id },
  );
  return data.closeRepair;
}

/** The machine's latest downtimes, to link a repair to the stop it fixed. */
export async function fetchRecentDowntimes(machineId: string): Promise<Downtime[]> {
  const data = await request<{ downtimes: Connection<Downtime> }>(
    `query RecentDowntimes($machineId: ID!) {
      downtimes(machineId: $machineId, first: 20) { edges { node { ${DOWNTIME} } } ${PAGE_INFO} }
    }`,
    { machineId },
  );
  return flatten(data.downtimes).items;
}

// ---------------------------------------------------------------- lines and machines (engineers)

export interface LineInput {
  code: string;
  name: string;
  description: string;
  status: LineStatus;
}

export async function createLine(input: LineInput): Promise<LineSummary> {
  const data = await request<{ createLine: LineSummary }>(
    `mutation CreateLine($input: CreateLineInput!) { createLine(input: $input) { ${LINE_SUMMARY} } }`,
    { input },
  );
  return data.createLine;
}

export interface MachineInput {
  lineId: string;
  code: string;
  name: string;
  assetNumber: string;
  type: string;
  manufacturer: string;
  model: string;
  serialNumber: string;
  notes: string;
}

export async function createMachine(input: MachineInput): Promise<{ id: string }> {
  const data = await request<{ createMachine: { id: string } }>(
    `mutation CreateMachine($input: CreateMachineInput!) { createMachine(input: $input) { id } }`,
    { input },
  );
  return data.createMachine;
}

// ---------------------------------------------------------------- downtime list (analytics drill-down)

export interface DowntimeFilter {
  machineId?: string;
  lineId?: string;
  reasonId?: string;
  from?: string;
  to?: string;
}

export interface DowntimeListItem extends Downtime {
  machine: { id: string; code: string; name: string } | null;
}

/** Downtimes overlapping the period, of a machine or a line, with one reason (the server's `downtimes` filters). */
export async function fetchDowntimes(filter: DowntimeFilter, after: string | null): Promise<Page<DowntimeListItem>> {
  const data = await request<{ downtimes: Connection<DowntimeListItem> }>(
    `query DowntimeList($after: String, $machineId: ID, $lineId: ID, $reasonId: ID, $from: String, $to: String) {
      downtimes(first: 50, after: $after, machineId: $machineId, lineId: $lineId, reasonId: $reasonId, from: $from, to: $to) {
        edges { node { ${DOWNTIME} machine { id code name } } } ${PAGE_INFO}
      }
    }`,
    { after, ...filter },
  );
  return flatten(data.downtimes);
}
