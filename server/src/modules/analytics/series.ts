import { toBool } from "../../db/schema.ts";
import type { DowntimeReasonRow } from "../downtime-reasons/repo.ts";
import type { Bucket } from "./buckets.ts";
import type { DowntimeRow, DowntimeTotals, Period, SeriesSources } from "./repo.ts";

/** SPEC §6 figures from a period's downtime totals and machine time: the one place they are computed. */
export interface KpiFigures {
  machines: number;
  period_minutes: number;
  planned_minutes: number;
  excluded_minutes: number;
  unplanned_minutes: number;
  planned_busy_minutes: number;
  failures: number;
  availability: number | null;
  mttr_hours: number | null;
  mtbf_hours: number | null;
}

export function kpisFrom(
  totals: readonly DowntimeTotals[],
  machineTime: { machines: number; minutes: number },
  reasons: ReadonlyMap<string, DowntimeReasonRow>,
): KpiFigures {
  let planned = 0;
  let excluded = 0;
  let unplanned = 0;
  let failures = 0;
  let failureMinutes = 0;
  for (const t of totals) {
    if (t.category === "planned") planned += t.minutes;
    else if (t.category === "excluded") excluded += t.minutes;
    else if (t.category === "unplanned") {
      unplanned += t.minutes;
      // SPEC §6: failures start in the period, with a reason that counts as one or none at all.
      const reason = t.reason_id ? reasons.get(t.reason_id) : undefined;
      if (t.started_inside && (t.reason_id === null || (reason !== undefined && toBool(reason.counts_as_failure)))) {
        failures += t.count;
        failureMinutes += t.minutes;
      }
    }
  }
  const plannedBusy = Math.max(0, machineTime.minutes - planned - excluded);
  const running = Math.max(0, plannedBusy - unplanned);
  return {
    machines: machineTime.machines,
    period_minutes: round(machineTime.minutes, 2),
    planned_minutes: round(planned, 2),
    excluded_minutes: round(excluded, 2),
    unplanned_minutes: round(unplanned, 2),
    planned_busy_minutes: round(plannedBusy, 2),
    failures,
    availability: plannedBusy > 0 ? round(running / plannedBusy, 4) : null,
    mttr_hours: failures > 0 ? round(failureMinutes / failures / 60, 3) : null,
    mtbf_hours: failures > 0 ? round(running / failures / 60, 3) : null,
  };
}

/** Machine time inside one bucket: each machine from the bucket's start to its end or its retirement. */
export function machineTimeIn(
  machines: readonly { retired_at: string | null }[],
  bucket: Bucket,
): { machines: number; minutes: number } {
  let count = 0;
  let minutes = 0;
  const from = Date.parse(bucket.from);
  const to = Date.parse(bucket.to);
  for (const m of machines) {
    if (m.retired_at === null) {
      count++;
      minutes += (to - from) / 60_000;
    } else if (m.retired_at > bucket.from) {
      count++;
      minutes += (Math.min(Date.parse(m.retired_at), to) - from) / 60_000;
    }
  }
  return { machines: count, minutes };
}

/**
 * Small integer ids for (category, reason, started-inside) groups, shared by every bucket: a
 * plant-year by day adds tens of thousands of rows, and a string key per add cost more than
 * the rest of the series.
 */
class GroupIds {
  readonly #ids = new Map<string, Map<string | null, number>>();
  readonly groups: { category: string; reason_id: string | null }[] = [];
  /** The id of the inside-started group; the other one is the id + 1. */
  of(category: string, reason_id: string | null): number {
    let byReason = this.#ids.get(category);
    if (!byReason) this.#ids.set(category, (byReason = new Map()));
    let id = byReason.get(reason_id);
    if (id === undefined) {
      id = this.groups.length * 2;
      byReason.set(reason_id, id);
      this.groups.push({ category, reason_id });
    }
    return id;
  }
}

/** Adds to a bucket's totals, merging groups of the same category, reason and started-inside. */
class BucketTotals {
  readonly #ids: GroupIds;
  readonly #minutes: number[] = [];
  readonly #count: number[] = [];
  /** Group ids in the order they were first added to (the order the totals are summed in). */
  readonly #order: number[] = [];
  constructor(ids: GroupIds) {
    this.#ids = ids;
  }
  add(category: string, reason_id: string | null, started_inside: boolean, minutes: number, count: number): void {
    const id = this.#ids.of(category, reason_id) + (started_inside ? 0 : 1);
    if (this.#minutes[id] === undefined) {
      this.#minutes[id] = minutes;
      this.#count[id] = count;
      this.#order.push(id);
    } else {
      this.#minutes[id] += minutes;
      this.#count[id] += count;
    }
  }
  list(): DowntimeTotals[] {
    return this.#order.map((id) => ({
      ...this.#ids.groups[id >> 1],
      started_inside: (id & 1) === 0,
      minutes: this.#minutes[id],
      count: this.#count[id],
    }));
  }
}

/**
 * Downtime totals per bucket, as `analyticsRepo.totals` would give for each bucket on its own:
 * a downtime spanning bucket bounds is split across them (clipped minutes in each), and it is
 * "started inside" only in the bucket it started in. The day totals hold every finished
 * downtime on its start day, whole; the midnight-crossing ones among them are taken out again
 * and split like the rows. Times are compared as epoch milliseconds: a plant-year by day splits
 * tens of thousands of rows.
 */
export function totalsPerBucket(
  sources: SeriesSources,
  buckets: readonly Bucket[],
  period: Period,
): DowntimeTotals[][] {
  const ids = new GroupIds();
  const out = buckets.map(() => new BucketTotals(ids));
  const bounds = { from: buckets.map((b) => Date.parse(b.from)), to: buckets.map((b) => Date.parse(b.to)) };
  const range = { from: Date.parse(period.from), to: Date.parse(period.to) };
  // A day's rows are many (a row per category and reason): its bucket is found once.
  const bucketOfDay = new Map<string, number>();
  for (const day of sources.days) {
    let i = bucketOfDay.get(day.day);
    if (i === undefined) bucketOfDay.set(day.day, (i = indexOf(bounds, Date.parse(`${day.day}T00:00:00.000Z`))));
    if (i >= 0) out[i].add(day.category, day.reason_id, true, day.minutes, day.count);
  }
  for (const row of sources.crossers) {
    const i = indexOf(bounds, Date.parse(row.start_datetime));
    if (i >= 0) out[i].add(row.category, row.reason_id, true, -Number(row.duration_minutes), -1);
    split(row, bounds, range, out);
  }
  for (const row of sources.rows) split(row, bounds, range, out);
  return out.map((b) => b.list());
}

interface Bounds {
  from: number[];
  to: number[];
}

/** The bucket holding an instant (binary search), or −1. */
function indexOf(bounds: Bounds, at: number): number {
  let lo = 0;
  let hi = bounds.from.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (at < bounds.from[mid]) hi = mid - 1;
    else if (at >= bounds.to[mid]) lo = mid + 1;
    else return mid;
  }
  return -1;
}

function split(row: DowntimeRow, bounds: Bounds, period: { from: number; to: number }, out: BucketTotals[]): void {
  const rowStart = Date.parse(row.start_datetime);
  const rowEnd = row.end_datetime === null ? period.to : Date.parse(row.end_datetime);
  const start = Math.max(rowStart, period.from);
  const end = Math.min(rowEnd, period.to);
  if (end <= start) return;
  const finished = row.duration_minutes !== null && row.end_datetime !== null;
  for (let i = indexOf(bounds, start); i >= 0 && i < bounds.from.length && bounds.from[i] < end; i++) {
    const from = Math.max(start, bounds.from[i]);
    const to = Math.min(end, bounds.to[i]);
    const startsHere = rowStart >= bounds.from[i];
    // A downtime wholly inside the bucket counts its stored duration, as the KPI query does.
    const minutes =
      finished && startsHere && rowEnd <= bounds.to[i] ? Number(row.duration_minutes) : (to - from) / 60_000;
    out[i].add(row.category, row.reason_id, startsHere, minutes, 1);
  }
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
