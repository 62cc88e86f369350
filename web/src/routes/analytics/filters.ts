/**
 * The analytics filters, kept in the address (`?tab=pareto&period=30d&line=…`) so that a view can be
 * shared and reloaded. The period is a preset or custom dates; custom dates are UTC days, as the
 * server's buckets are (docs/analytics.md: HOM reports in UTC), `to` included.
 */
import { BUCKETS, type AnalyticsQuery, type Bucket } from "../../api/analytics";

export const TABS = ["series", "pareto", "failures", "utilisation", "topTools", "compliance", "ageing"] as const;
export type Tab = (typeof TABS)[number];

export const PRESETS = ["7d", "30d", "90d", "year", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

export interface Filters {
  tab: Tab;
  preset: Preset;
  /** Custom period: first and last day (YYYY-MM-DD, UTC), both included. */
  fromDay: string;
  toDay: string;
  bucket: Bucket;
  lineId: string;
  machineId: string;
  toolId: string;
  codeId: string;
}

const DAY_MS = 86_400_000;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

function pick<T extends string>(values: readonly T[], value: string | null, fallback: T): T {
  return (values as readonly string[]).includes(value ?? "") ? (value as T) : fallback;
}

export function readFilters(params: URLSearchParams, now = new Date()): Filters {
  return {
    tab: pick(TABS, params.get("tab"), "series"),
    preset: pick(PRESETS, params.get("period"), "30d"),
    fromDay: params.get("from") ?? isoDay(new Date(now.getTime() - 29 * DAY_MS)),
    toDay: params.get("to") ?? isoDay(now),
    bucket: pick(BUCKETS, params.get("bucket"), "day"),
    lineId: params.get("line") ?? "",
    machineId: params.get("machine") ?? "",
    toolId: params.get("tool") ?? "",
    codeId: params.get("code") ?? "",
  };
}

/** The address parameter of each filter field. */
export const PARAM: Record<Exclude<keyof Filters, "tab">, string> = {
  preset: "period",
  fromDay: "from",
  toDay: "to",
  bucket: "bucket",
  lineId: "line",
  machineId: "machine",
  toolId: "tool",
  codeId: "code",
};

/** The period as instants: [from, to). Presets end now; a custom period ends at the end of its last day. */
export function period(filters: Filters, now = new Date()): { from: string; to: string } {
  const to = now.toISOString();
  switch (filters.preset) {
    case "7d":
      return { from: new Date(now.getTime() - 7 * DAY_MS).toISOString(), to };
    case "30d":
      return { from: new Date(now.getTime() - 30 * DAY_MS).toISOString(), to };
    case "90d":
      return { from: new Date(now.getTime() - 90 * DAY_MS).toISOString(), to };
    case "year":
      return { from: `${now.getUTCFullYear()}-01-01T00:00:00.000Z`, to };
    case "custom": {
      const end = new Date(`${filters.toDay}T00:00:00.000Z`);
      const valid = !Number.isNaN(end.getTime());
      return {
        from: `${filters.fromDay}T00:00:00.000Z`,
        to: valid ? new Date(end.getTime() + DAY_MS).toISOString() : `${filters.toDay}T00:00:00.000Z`,
      };
    }
  }
}

/**
 * The server's query for a figure. Presets end at the next whole minute, so that the query key
 * (and the cache) stays the same across renders within a minute; the server ends a `to` in the
 * future at its now, so nothing recorded up to the moment of the request is left out.
 */
export function scopeQuery(filters: Filters, now: Date): AnalyticsQuery {
  const minute = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
  const { from, to } = period(filters, minute);
  return {
    from,
    to,
    // The server takes a machine or a line, not both: the machine is the narrower choice.
    machine_id: filters.machineId || undefined,
    line_id: filters.machineId ? undefined : filters.lineId || undefined,
  };
}

/** Which filters each tab offers (the server refuses parameters a figure does not take). */
export const TAB_FILTERS: Record<Tab, { period: boolean; tool: boolean; code: boolean; bucket: boolean }> = {
  series: { period: true, tool: false, code: false, bucket: true },
  pareto: { period: true, tool: false, code: false, bucket: false },
  failures: { period: true, tool: true, code: true, bucket: true },
  utilisation: { period: true, tool: true, code: false, bucket: false },
  topTools: { period: true, tool: true, code: true, bucket: false },
  compliance: { period: true, tool: true, code: false, bucket: false },
  // Ageing is "now": no period.
  ageing: { period: false, tool: true, code: true, bucket: false },
};

/** The query a tab sends: the scope plus the filters that tab applies. */
export function tabQuery(tab: Tab, filters: Filters, now: Date): AnalyticsQuery {
  const scope = scopeQuery(filters, now);
  const offered = TAB_FILTERS[tab];
  return {
    ...(offered.period ? { from: scope.from, to: scope.to } : {}),
    machine_id: scope.machine_id,
    line_id: scope.line_id,
    ...(offered.tool ? { tool_id: filters.toolId || undefined } : {}),
    ...(offered.code ? { failure_code_id: filters.codeId || undefined } : {}),
    ...(offered.bucket ? { bucket: filters.bucket } : {}),
  };
}

/**
 * The bucket labels of [from, to) as the server names them (server/src/modules/analytics/buckets.ts:
 * `2026-03-02`, ISO week `2026-W10`, `2026-03`, all UTC). Failure trends list only buckets with
 * reports; the chart needs every bucket, empty ones at zero.
 */
export function bucketLabels(size: Bucket, from: string, to: string): string[] {
  const end = Date.parse(to);
  const at = Date.parse(from);
  let start = Math.floor(at / DAY_MS) * DAY_MS;
  if (size === "week") start -= ((new Date(start).getUTCDay() + 6) % 7) * DAY_MS;
  if (size === "month") start = Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth(), 1);
  const labels: string[] = [];
  // The server refuses more than 1,100 buckets; stop there too.
  while (start < end && labels.length < 1100) {
    const iso = new Date(start).toISOString();
    if (size === "day") {
      labels.push(iso.slice(0, 10));
      start += DAY_MS;
    } else if (size === "month") {
      labels.push(iso.slice(0, 7));
      const d = new Date(start);
      start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else {
      // The ISO week's year is that of its Thursday.
      const thursday = new Date(start + 3 * DAY_MS);
      const year = thursday.getUTCFullYear();
      const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
      labels.push(`${year}-W${String(week).padStart(2, "0")}`);
      start += 7 * DAY_MS;
    }
  }
  return labels;
}
