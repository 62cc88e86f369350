/**
 * The dashboard's reads: ongoing downtimes, plans needing attention (GraphQL `maintenancePlans`)
 * and availability per line over the last 7 and 30 days — each line's figures asked in one
 * request with aliases, so a plant of 20 lines costs one round trip.
 */
import { flatten, PAGE_INFO, type Connection, type DowntimeCategory, type LineSummary } from "./plant";
import { request } from "./session";
import type { PlanStatus } from "./tools";

export interface OpenDowntime {
  id: string;
  startDatetime: string;
  category: DowntimeCategory;
  machine: { id: string; code: string; name: string } | null;
  line: { id: string; code: string } | null;
  reason: { id: string; code: string; name: string } | null;
}

export async function fetchOpenDowntimes(): Promise<{ items: OpenDowntime[]; more: boolean }> {
  const data = await request<{ downtimes: Connection<OpenDowntime> }>(
    `query OpenDowntimes {
      downtimes(ongoing: true, first: 100) {
        edges { node { id startDatetime category machine { id code name } line { id code } reason { id code name } } }
        ${PAGE_INFO}
      }
    }`,
  );
  const page = flatten(data.downtimes);
  // Longest first: the press stopped longest is the one to look at.
  page.items.sort((a, b) => a.startDatetime.localeCompare(b.startDatetime));
  return { items: page.items, more: page.hasNextPage };
}

export interface AttentionPlan {
  id: string;
  name: string;
  activity: string;
  status: PlanStatus;
  progress: number;
  remainingShots: number | null;
  remainingDays: number | null;
  forecastDueDate: string | null;
  tool: { id: string; assetNumber: string; name: string } | null;
  machine: { id: string; code: string; name: string } | null;
}

export async function fetchAttentionPlans(): Promise<AttentionPlan[]> {
  const data = await request<{ maintenancePlans: AttentionPlan[] }>(
    `query AttentionPlans {
      maintenancePlans(status: [overdue, due, warning], first: 100) {
        id name activity status progress remainingShots remainingDays forecastDueDate
        tool { id assetNumber name } machine { id code name }
      }
    }`,
  );
  return data.maintenancePlans;
}

export interface LineAvailability {
  line: LineSummary;
  /** 0…1, or null when the line had no planned time. */
  last7: number | null;
  last30: number | null;
}

const DAY_MS = 86_400_000;

export async function fetchLineAvailability(now = new Date()): Promise<LineAvailability[]> {
  const lines = await request<{ lines: Connection<LineSummary> }>(
    `query DashboardLines { lines(first: 100) { edges { node { id code name description status active } } ${PAGE_INFO} } }`,
  );
  const items = flatten(lines.lines).items;
  if (items.length === 0) return [];
  const to = now.toISOString();
  const from7 = new Date(now.getTime() - 7 * DAY_MS).toISOString();
  const from30 = new Date(now.getTime() - 30 * DAY_MS).toISOString();
  const fields = items
    .map(
      (_line, i) =>
        `w${i}: kpis(lineId: $l${i}, from: $from7, to: $to) { availability } m${i}: kpis(lineId: $l${i}, from: $from30, to: $to) { availability }`,
    )
    .join("\n");
  const declarations = items.map((_line, i) => `$l${i}: ID!`).join(", ");
  const variables: Record<string, string> = { from7, from30, to };
  items.forEach((line, i) => (variables[`l${i}`] = line.id));
  const data = await request<Record<string, { availability: number | null }>>(
    `query LineAvailability($from7: String!, $from30: String!, $to: String!, ${declarations}) { ${fields} }`,
    variables,
  );
  return items.map((line, i) => ({
    line,
    last7: data[`w${i}`]?.availability ?? null,
    last30: data[`m${i}`]?.availability ?? null,
  }));
}

/** Plant availability per local day for the last `days` days (today so far included), oldest first. */
export async function fetchDailyAvailability(
  days: number,
  now = new Date(),
): Promise<{ day: Date; value: number | null }[]> {
  const starts: Date[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
    starts.push(d);
  }
  const variables: Record<string, string> = {};
  const fields = starts
    .map((start, i) => {
      const end = i === starts.length - 1 ? now : starts[i + 1];
      variables[`f${i}`] = start.toISOString();
      variables[`t${i}`] = end.toISOString();
      return `d${i}: kpis(from: $f${i}, to: $t${i}) { availability }`;
    })
    .join("\n");
  const declarations = starts.map((_s, i) => `$f${i}: String!, $t${i}: String!`).join(", ");
  const data = await request<Record<string, { availability: number | null }>>(
    `query DailyAvailability(${declarations}) { ${fields} }`,
    variables,
  );
  return starts.map((day, i) => ({ day, value: data[`d${i}`]?.availability ?? null }));
}
