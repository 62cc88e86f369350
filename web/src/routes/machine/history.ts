/**
 * A machine's history is two lists from the server (downtimes and repairs), each newest first
 * with its own cursor. The timeline merges them; to stay in order while paging, it shows only
 * what is newer than the oldest loaded entry of every list that has more to load, and "load
 * more" asks for the next page of just the list(s) holding that boundary.
 */
import type { Downtime, HistoryCursor, HistoryPage, Repair } from "../../api/plant";

export type HistoryEntry =
  | { kind: "downtime"; id: string; at: string; downtime: Downtime }
  | { kind: "repair"; id: string; at: string; repair: Repair };

interface Stream<T> {
  items: T[];
  hasNext: boolean;
  endCursor: string | null;
}

function stream<K extends keyof HistoryPage>(pages: HistoryPage[], key: K) {
  const state: Stream<NonNullable<HistoryPage[K]>["items"][number]> = { items: [], hasNext: false, endCursor: null };
  for (const page of pages) {
    const part = page[key];
    if (!part) continue;
    state.items.push(...(part.items as typeof state.items));
    state.hasNext = part.hasNextPage;
    state.endCursor = part.endCursor;
  }
  return state;
}

const time = (iso: string) => Date.parse(iso);

function oldest(items: { startDatetime: string }[]): number {
  return items.length === 0 ? Infinity : time(items[items.length - 1].startDatetime);
}

function state(pages: HistoryPage[]) {
  const downtimes = stream(pages, "downtimes");
  const repairs = stream(pages, "repairs");
  const boundaries = [downtimes, repairs].filter((s) => s.hasNext).map((s) => oldest(s.items));
  const cutoff = boundaries.length === 0 ? -Infinity : Math.max(...boundaries);
  return { downtimes, repairs, cutoff };
}

/** The entries that can be shown in order, newest first. */
export function mergeHistory(pages: HistoryPage[]): HistoryEntry[] {
  const { downtimes, repairs, cutoff } = state(pages);
  const entries: HistoryEntry[] = [
    ...downtimes.items.map((d) => ({ kind: "downtime" as const, id: d.id, at: d.startDatetime, downtime: d })),
    ...repairs.items.map((r) => ({ kind: "repair" as const, id: r.id, at: r.startDatetime, repair: r })),
  ];
  return entries
    .filter((e) => time(e.at) >= cutoff)
    .sort((a, b) => time(b.at) - time(a.at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The cursor of the next page, or undefined when both lists are complete. */
export function nextHistoryCursor(pages: HistoryPage[]): HistoryCursor | undefined {
  const { downtimes, repairs, cutoff } = state(pages);
  if (!downtimes.hasNext && !repairs.hasNext) return undefined;
  const cursor: HistoryCursor = {};
  if (downtimes.hasNext && oldest(downtimes.items) >= cutoff) cursor.downtimes = downtimes.endCursor;
  if (repairs.hasNext && oldest(repairs.items) >= cutoff) cursor.repairs = repairs.endCursor;
  return cursor;
}
