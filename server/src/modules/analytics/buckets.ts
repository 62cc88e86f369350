/**
 * Time buckets for series: UTC days, ISO weeks (Monday to Monday, UTC) and UTC months. HOM keeps
 * every time in UTC and has no plant time zone setting, so the buckets are UTC too
 * (docs/analytics.md). A bucket is clipped to the period, so the first and last may be partial.
 */

export const BUCKETS = ["day", "week", "month"] as const;
export type BucketSize = (typeof BUCKETS)[number];

export interface Bucket {
  /** `2026-03-02`, `2026-W10` or `2026-03`. */
  key: string;
  /** The bucket's part of the period, [from, to). */
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
/** Enough for three years of days; a longer series asks for weeks or months. */
export const MAX_BUCKETS = 1100;

/** The start of the bucket containing `ms`. */
export function bucketStart(size: BucketSize, ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  if (size === "day") return day;
  if (size === "week") {
    const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    return day - weekday * DAY_MS;
  }
  const at = new Date(ms);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
}

function nextStart(size: BucketSize, start: number): number {
  if (size === "day") return start + DAY_MS;
  if (size === "week") return start + 7 * DAY_MS;
  const at = new Date(start);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
}

/** The ISO 8601 week of a Monday: the year is the year of that week's Thursday. */
function isoWeekKey(monday: number): string {
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

export function bucketKey(size: BucketSize, start: number): string {
  const iso = new Date(start).toISOString();
  if (size === "day") return iso.slice(0, 10);
  if (size === "month") return iso.slice(0, 7);
  return isoWeekKey(start);
}

/** The buckets covering [from, to), or null when there would be more than MAX_BUCKETS. */
export function bucketsOf(size: BucketSize, from: string, to: string): Bucket[] | null {
  const end = Date.parse(to);
  const buckets: Bucket[] = [];
  for (let start = bucketStart(size, Date.parse(from)); start < end; start = nextStart(size, start)) {
    if (buckets.length >= MAX_BUCKETS) return null;
    const next = nextStart(size, start);
    buckets.push({
      key: bucketKey(size, start),
      from: new Date(Math.max(start, Date.parse(from))).toISOString(),
      to: new Date(Math.min(next, end)).toISOString(),
    });
  }
  return buckets;
}

/** Finds the bucket holding an instant, by binary search over the sorted buckets. */
export function bucketIndexOf(buckets: readonly Bucket[], iso: string): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (iso < buckets[mid].from) hi = mid - 1;
    else if (iso >= buckets[mid].to) lo = mid + 1;
    else return mid;
  }
  return -1;
}
