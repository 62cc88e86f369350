// A realistic plant for benchmarks, generated deterministically from a seed: lines, machines, downtimes and repairs
// over several years ending now. The schema comes from the real migrations; rows go in through one prepared
// statement in one transaction (SQLite) or 5,000-row `unnest` inserts (PostgreSQL).
//
// Standalone:
//   node bench/generate-plant.ts --sqlite DIR             (SQLite at DIR/hom.sqlite, as HOM_DATA_DIR=DIR would use)
//   node bench/generate-plant.ts --postgres SCHEMA        (DATABASE_URL, else HOM_TEST_DATABASE_URL, else the local test db)
// Sizes: --lines 20 --machines 300 --downtimes 1000000 --repairs 200000 --years 5 --seed 1; --end ISO fixes "now";
// --replace empties the target first; --analyze runs ANALYZE on SQLite too (HOM itself never does).
// The root tsconfig does not include server/src/types, where this package's declarations live.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../server/src/types/better-sqlite3-multiple-ciphers.d.ts" />
import { rmSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import pg from "pg";
import { loadConfig } from "../server/src/config.ts";
import { openDatabase, type Db } from "../server/src/db/index.ts";
import { migrateToLatest } from "../server/src/db/migrate.ts";
import { backfillDowntimeTotals } from "../server/src/db/migrations/0006_downtime_totals.ts";
import { backfillPlantDayTotals } from "../server/src/db/migrations/0013_plant_series.ts";

export interface PlantOptions {
  seed: number;
  lines: number;
  machines: number;
  /** Target; the result lands within a few per cent. */
  downtimes: number;
  repairs: number;
  years: number;
  /** The plant's "now": the end of its history (default: the current minute). */
  end?: string;
}

export const DEFAULT_PLANT: PlantOptions = {
  seed: 1,
  lines: 20,
  machines: 300,
  downtimes: 1_000_000,
  repairs: 200_000,
  years: 5,
};

/** Command-line options (node:util parseArgs) for the plant's size, shared by the benches that generate one. */
export const PLANT_ARGS = {
  seed: { type: "string" },
  lines: { type: "string" },
  machines: { type: "string" },
  downtimes: { type: "string" },
  repairs: { type: "string" },
  years: { type: "string" },
} as const;

/** The plant those options ask for; `fallback` gives each size not given (the bench's own default). */
export function plantOptionsFromArgs(
  values: Record<string, string | boolean | undefined>,
  fallback: PlantOptions = DEFAULT_PLANT,
): PlantOptions {
  const num = (key: keyof typeof PLANT_ARGS) => (typeof values[key] === "string" ? Number(values[key]) : fallback[key]);
  return {
    seed: num("seed"),
    lines: num("lines"),
    machines: num("machines"),
    downtimes: num("downtimes"),
    repairs: num("repairs"),
    years: num("years"),
  };
}

export type PlantTarget =
  { kind: "sqlite"; dataDir: string; analyze?: boolean } | { kind: "postgres"; url: string; schema: string };

export interface PlantMachine {
  id: string;
  code: string;
  line_id: string;
  commissioned: string;
  retired: string | null;
}

export interface PlantSummary {
  options: PlantOptions;
  start: string;
  end: string;
  lines: { id: string; code: string; schedule: string }[];
  machines: PlantMachine[];
  counts: {
    downtimes: number;
    unplanned: number;
    planned: number;
    excluded: number;
    without_reason: number;
    ongoing: number;
    deleted: number;
    repairs: number;
    repairs_linked: number;
  };
  timings: {
    generate_ms: number;
    insert_ms: number;
    finish_ms: number;
    total_ms: number;
    rows_per_second: number;
  };
  /** SQLite file size, bytes (null on PostgreSQL). */
  bytes: number | null;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const YEAR = 365.25 * DAY;

// ---- seeded randomness --------------------------------------------------------------------------------------------

/** sfc32, seeded through splitmix32: fast, good enough for synthetic data, and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
  /** Index drawn from cumulative weights. */
  weighted(cumulative: readonly number[]): number {
    const x = this.next() * cumulative[cumulative.length - 1];
    let i = 0;
    while (cumulative[i] <= x) i++;
    return i;
  }
  /** UUIDv7 like server/src/ids.ts newId, with the random bits from this generator. */
  uuid7(ms: number): string {
    const ts = Math.floor(ms).toString(16).padStart(12, "0");
    const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, "0").slice(-width);
    const r1 = Math.floor(this.next() * 2 ** 32);
    const r2 = Math.floor(this.next() * 2 ** 32);
    const r3 = Math.floor(this.next() * 2 ** 32);
    return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${hex(r1 & 0xfff, 3)}-${hex(0x8000 | ((r1 >>> 12) & 0x3fff), 4)}-${hex(r2, 8)}${hex(r3, 4)}`;
  }
}

const cumulate = (weights: number[]) => weights.reduce<number[]>((acc, w) => [...acc, (acc.at(-1) ?? 0) + w], []);
/** Pareto-like skew: the k-th reason of a list weighs 1/k^1.2. */
const zipf = (n: number) => cumulate(Array.from({ length: n }, (_, k) => 1 / (k + 1) ** 1.2));

// ---- the plant's vocabulary -------------------------------------------------------------------------------------

type Category = "unplanned" | "planned" | "excluded";

interface EventType {
  name: string;
  category: Category;
  /** Share of events (before the machine's reliability scales the unplanned ones). */
  weight: number;
  median: number;
  sigma: number;
  min: number;
  max: number;
  /** Reason codes, most frequent first (Zipf weights). */
  reasons: string[];
  /** Share recorded without a reason. */
  noReason: number;
  /** Share that gets a repair, and its kind. */
  repair?: { share: number; kind: "scheduled" | "unscheduled"; onlyReasons?: string[] };
  /** Share recorded by the machine controller rather than the operator. */
  plc: number;
  /** Only on lines that run around the clock (the others have their schedule blocks). */
  roundTheClockOnly?: boolean;
}

/** Durations in minutes (log-normal, clamped). */
const EVENT_TYPES: EventType[] = [
  {
    name: "short stop",
    category: "unplanned",
    weight: 0.7,
    median: 8,
    sigma: 0.8,
    min: 1,
    max: 120,
    reasons: [
      "TOOL_EJECTION",
      "MATERIAL_EMPTY",
      "QUALITY",
      "BREAKDOWN_AUTOMATION",
      "NO_OPERATOR",
      "TOOL_LEAK",
      "OTHER",
      "MATERIAL_DRYING",
      "UTILITIES_AIR",
      "UTILITIES_COOLING",
    ],
    noReason: 0.12,
    plc: 0.75,
  },
  {
    name: "longer stop",
    category: "unplanned",
    weight: 0.06,
    median: 45,
    sigma: 0.6,
    min: 10,
    max: 600,
    reasons: [
      "NO_OPERATOR",
      "MATERIAL_DRYING",
      "QUALITY",
      "TOOL_HOT_RUNNER",
      "TOOL_EJECTION",
      "UTILITIES_COOLING",
      "OTHER",
    ],
    noReason: 0.05,
    repair: { share: 0.3, kind: "unscheduled", onlyReasons: ["TOOL_HOT_RUNNER", "TOOL_EJECTION"] },
    plc: 0.2,
  },
  {
    name: "breakdown",
    category: "unplanned",
    weight: 0.08,
    median: 300,
    sigma: 1,
    min: 30,
    max: 5 * 1440,
    reasons: [
      "BREAKDOWN_HYDRAULIC",
      "BREAKDOWN_HEATING",
      "BREAKDOWN_ELECTRICAL",
      "TOOL_DAMAGE",
      "BREAKDOWN_MECHANICAL",
      "TOOL_HOT_RUNNER",
      "BREAKDOWN",
      "UTILITIES_POWER",
    ],
    noReason: 0.02,
    repair: { share: 0.95, kind: "unscheduled" },
    plc: 0.1,
  },
  {
    name: "material change",
    category: "planned",
    weight: 0.08,
    median: 35,
    sigma: 0.4,
    min: 10,
    max: 240,
    reasons: ["CHANGEOVER_MATERIAL"],
    noReason: 0,
    plc: 0,
  },
  {
    name: "mould change",
    category: "planned",
    weight: 0.055,
    median: 120,
    sigma: 0.4,
    min: 30,
    max: 600,
    reasons: ["CHANGEOVER_MOULD"],
    noReason: 0,
    plc: 0,
  },
  {
    name: "mould maintenance",
    category: "planned",
    weight: 0.02,
    median: 150,
    sigma: 0.4,
    min: 30,
    max: 600,
    reasons: ["PLANNED_MAINTENANCE_TOOL"],
    noReason: 0,
    repair: { share: 1, kind: "scheduled" },
    plc: 0,
  },
  {
    name: "machine maintenance",
    category: "planned",
    weight: 0.01,
    median: 360,
    sigma: 0.3,
    min: 60,
    max: 1440,
    reasons: ["PLANNED_MAINTENANCE_MACHINE"],
    noReason: 0,
    repair: { share: 1, kind: "scheduled" },
    plc: 0,
  },
  {
    name: "no orders",
    category: "excluded",
    weight: 0.012,
    median: 16 * 60,
    sigma: 0.6,
    min: 4 * 60,
    max: 96 * 60,
    reasons: ["NOT_SCHEDULED"],
    noReason: 0,
    plc: 0,
    roundTheClockOnly: true,
  },
];
const SCHEDULE_BLOCK = EVENT_TYPES.length; // type index of weekend and holiday blocks

const LINE_NAMES = [
  "Automotive interior",
  "Automotive exterior",
  "Closures",
  "Medical",
  "Packaging",
  "Technical parts",
  "Housings",
  "Connectors",
  "Thin-wall",
  "Two-component",
];
const MACHINE_MODELS: [manufacturer: string, models: string[]][] = [
  ["Engel", ["victory 120", "victory 200", "duo 450", "e-mac 100", "e-motion 160"]],
  ["Arburg", ["Allrounder 370 E", "Allrounder 470 H", "Allrounder 570 A", "Allrounder 720 S"]],
  ["KraussMaffei", ["CX 160", "GX 450", "PX 200"]],
  ["Sumitomo Demag", ["IntElect 130", "IntElect 220", "Systec 280"]],
  ["Haitian", ["Mars III 150", "Zhafir Venus 250", "Jupiter III 600"]],
  ["Wittmann Battenfeld", ["SmartPower 120", "EcoPower 180", "MacroPower 500"]],
];
const NOTES = [
  "Robot gripper lost the part",
  "Waiting for the setter",
  "Dryer alarm",
  "Short shots after restart",
  "Operator on break, no relief",
  "Sprue stuck in the bushing",
  "Cooling water temperature high",
  "Material lot changed",
];
const REPAIR_TITLES: Record<string, string[]> = {
  BREAKDOWN_HYDRAULIC: ["Hydraulic leak at clamp cylinder", "Replace hydraulic hose", "Pump pressure low"],
  BREAKDOWN_HEATING: ["Barrel heater band failed", "Thermocouple zone 3 faulty", "Nozzle heater replaced"],
  BREAKDOWN_ELECTRICAL: ["Control cabinet fault", "Drive inverter error", "Safety gate switch replaced"],
  BREAKDOWN_MECHANICAL: ["Toggle lubrication fault", "Screw tip and check ring worn", "Tie bar nut loose"],
  BREAKDOWN_AUTOMATION: ["Robot axis fault", "Conveyor belt torn"],
  BREAKDOWN: ["Machine does not start", "Machine breakdown, cause being checked"],
  TOOL_DAMAGE: ["Mould insert cracked", "Slider damaged", "Cavity damaged by stuck part"],
  TOOL_HOT_RUNNER: ["Hot runner nozzle blocked", "Hot runner zone heater replaced"],
  TOOL_EJECTION: ["Ejector pin broken", "Ejector plate stuck"],
  UTILITIES_POWER: ["Restart after power cut", "Main breaker tripped"],
  PLANNED_MAINTENANCE_TOOL: ["Mould preventive maintenance", "Mould cleaning and greasing"],
  PLANNED_MAINTENANCE_MACHINE: ["Machine preventive maintenance", "Hydraulic oil and filter change"],
  NONE: ["Breakdown, reason not recorded"],
  STANDALONE: [
    "Replace worn nozzle",
    "Adjust mould height",
    "Check and tighten platen bolts",
    "Calibrate temperature controller",
    "Replace safety light curtain",
    "Lubricate guide rails",
    "Fix oil drip under the machine",
    "Replace gripper vacuum cup",
  ],
};
const CAUSES = ["Wear", "Operating error", "Material contamination", "Age", "Poor lubrication", null, null];
const ACTIONS = ["Replaced the part", "Cleaned and adjusted", "Repaired and tested", "Tightened and tested", null];
const PARTS = [
  "Heater band 230 V",
  "Thermocouple type J",
  "Hydraulic hose DN10",
  "Ejector pin 6 mm",
  "O-ring set",
  "Fuse",
];

// ---- generation -------------------------------------------------------------------------------------------------

interface Plant {
  start: number;
  end: number;
  lines: { id: string; code: string; name: string; schedule: "5-day" | "24/7"; created: number }[];
  machines: {
    id: string;
    code: string;
    line: number;
    manufacturer: string;
    model: string;
    serial: string;
    commissioned: number;
    retired: number | null;
    ongoing: boolean;
    downBecause: string | null;
  }[];
  // Downtimes, column-wise, sorted by start.
  d: {
    start: number[];
    end: number[]; // NaN while ongoing
    machine: number[];
    type: number[];
    reason: string[]; // code or ""
    note: number[]; // index into NOTES or -1
    source: number[]; // 0 plc, 1 operator, 2 auto
    repair: number[]; // index into r or -1
    deleted: boolean[];
  };
  r: {
    start: number[];
    end: number[]; // NaN while open
    machine: number[];
    kind: string[];
    status: string[];
    title: string[];
    cause: (string | null)[];
    actions: (string | null)[];
    parts: (string | null)[];
    cost: (number | null)[];
    downtime: number[]; // index into d or -1
  };
}

/** Weekends (Saturday 06:00 to Monday 06:00) and the Christmas shutdown, merged; or Christmas only around the clock. */
function scheduleBlocks(schedule: "5-day" | "24/7", start: number, end: number): [number, number][] {
  const blocks: [number, number][] = [];
  const firstYear = new Date(start).getUTCFullYear() - 1;
  const lastYear = new Date(end).getUTCFullYear();
  for (let y = firstYear; y <= lastYear; y++) {
    blocks.push(
      schedule === "5-day"
        ? [Date.UTC(y, 11, 24, 6), Date.UTC(y + 1, 0, 2, 6)]
        : [Date.UTC(y, 11, 24, 14), Date.UTC(y, 11, 26, 22)],
    );
  }
  if (schedule === "5-day") {
    const first = new Date(start - 7 * DAY);
    let saturday = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate(), 6);
    while (new Date(saturday).getUTCDay() !== 6) saturday += DAY;
    for (; saturday < end; saturday += 7 * DAY) blocks.push([saturday, saturday + 2 * DAY]);
  }
  blocks.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const block of blocks) {
    const last = merged.at(-1);
    if (last && block[0] <= last[1]) last[1] = Math.max(last[1], block[1]);
    else merged.push([...block]);
  }
  return merged.filter((b) => b[1] > start - DAY && b[0] < end);
}

function blockedMinutes(blocks: [number, number][], from: number, to: number): number {
  let total = 0;
  for (const [s, e] of blocks) total += Math.max(0, Math.min(e, to) - Math.max(s, from));
  return total / MIN;
}

function generate(options: PlantOptions, log: (message: string) => void): Plant {
  const random = new Random(options.seed);
  const ids = new Random(options.seed ^ 0x5eed1d5);
  const end = Math.floor(Date.parse(options.end ?? new Date().toISOString()) / MIN) * MIN;
  const start = Math.floor((end - options.years * YEAR) / DAY) * DAY;
  const created = start - 30 * DAY;

  const roundTheClockFrom = Math.ceil(options.lines * 0.6);
  const lines: Plant["lines"] = Array.from({ length: options.lines }, (_, i) => ({
    id: ids.uuid7(created + i * MIN),
    code: `L${String(i + 1).padStart(2, "0")}`,
    name: `Line ${i + 1} – ${LINE_NAMES[i % LINE_NAMES.length]}`,
    schedule: i < roundTheClockFrom ? "5-day" : "24/7",
    created,
  }));
  const blocksBySchedule = {
    "5-day": scheduleBlocks("5-day", start, end),
    "24/7": scheduleBlocks("24/7", start, end),
  };

  // Lines of uneven size: 10 to 20 machines for the defaults.
  const sizes = lines.map(() => random.between(0.65, 1.35));
  const total = sizes.reduce((a, b) => a + b, 0);
  const perLine = sizes.map((s) => Math.floor((s / total) * options.machines));
  for (let i = 0; perLine.reduce((a, b) => a + b, 0) < options.machines; i++) perLine[i % perLine.length]++;

  const machines: Plant["machines"] = [];
  perLine.forEach((count, line) => {
    for (let k = 0; k < count; k++) {
      const [manufacturer, models] = random.pick(MACHINE_MODELS);
      const commissioned = random.chance(0.85)
        ? start
        : Math.floor(random.between(start, start + 0.8 * (end - start)) / DAY) * DAY;
      const retires = random.chance(0.04);
      const retired = retires
        ? Math.floor(random.between(Math.max(commissioned + 180 * DAY, end - 3 * YEAR), end - 14 * DAY) / HOUR) * HOUR
        : null;
      machines.push({
        id: ids.uuid7(commissioned === start ? created + (machines.length + options.lines) * MIN : commissioned),
        code: `${lines[line].code}-M${String(k + 1).padStart(2, "0")}`,
        line,
        manufacturer,
        model: random.pick(models),
        serial: `SN${String(100000 + random.int(900000))}`,
        commissioned,
        retired: retired !== null && retired > commissioned ? retired : null,
        ongoing: false,
        downBecause: null,
      });
    }
  });
  // A few machines (2 %) have a downtime going on right now, on lines that run around the clock.
  const candidates = machines.filter((m) => m.retired === null && lines[m.line].schedule === "24/7");
  for (let i = 0; i < Math.max(1, Math.round(options.machines * 0.02)) && candidates.length; i++) {
    candidates.splice(random.int(candidates.length), 1)[0].ongoing = true;
  }

  // Per machine: how reliable it is, how much production time it has, and so how often something happens.
  const reliability = machines.map(() => Math.exp(0.35 * random.normal()));
  const meanDuration = EVENT_TYPES.map((t) =>
    Math.min(t.max, Math.max(t.min, t.median * Math.exp((t.sigma * t.sigma) / 2))),
  );
  const weights = machines.map((m, i) =>
    EVENT_TYPES.map((t) =>
      t.roundTheClockOnly && lines[m.line].schedule !== "24/7"
        ? 0
        : t.weight * (t.category === "unplanned" ? reliability[i] : 1),
    ),
  );
  const stopAt = machines.map((m) => m.retired ?? (m.ongoing ? end - Math.round(random.between(10, 600)) * MIN : end));
  const production = machines.map((m, i) => {
    const blocks = blocksBySchedule[lines[m.line].schedule];
    return (stopAt[i] - m.commissioned) / MIN - blockedMinutes(blocks, m.commissioned, stopAt[i]);
  });
  const fixedBlocks = machines.reduce(
    (n, m, i) =>
      n + blocksBySchedule[lines[m.line].schedule].filter(([s, e]) => e > m.commissioned && s < stopAt[i]).length,
    0,
  );
  const rate = machines.map((_, i) => production[i] * weights[i].reduce((a, b) => a + b, 0));
  const rateTotal = rate.reduce((a, b) => a + b, 0);
  const events = Math.max(0, options.downtimes - fixedBlocks - machines.filter((m) => m.ongoing).length);
  if (events < fixedBlocks) {
    log(
      `warning: ${fixedBlocks} of the ${options.downtimes} downtimes are weekend and holiday blocks, leaving ${events} ` +
        `for stops; ask for more downtimes or fewer --years`,
    );
  }

  const d: Plant["d"] = {
    start: [],
    end: [],
    machine: [],
    type: [],
    reason: [],
    note: [],
    source: [],
    repair: [],
    deleted: [],
  };
  const r: Plant["r"] = {
    start: [],
    end: [],
    machine: [],
    kind: [],
    status: [],
    title: [],
    cause: [],
    actions: [],
    parts: [],
    cost: [],
    downtime: [],
  };
  const reasonWeights = EVENT_TYPES.map((t) => zipf(t.reasons.length));
  const second = (ms: number) => Math.round(ms / 1000) * 1000;

  const addRepair = (machine: number, downtime: number, kind: string, reason: string, s: number, e: number) => {
    const ongoing = Number.isNaN(e);
    const scheduled = kind === "scheduled";
    const begin = ongoing || scheduled ? s : Math.min(second(s + random.logNormal(10, 0.7) * MIN), s + (e - s) / 2);
    r.start.push(begin);
    r.end.push(ongoing ? NaN : scheduled ? e : Math.max(begin, e - second(random.between(0, 5) * MIN)));
    r.machine.push(machine);
    r.kind.push(kind);
    r.status.push(ongoing ? "in_progress" : "closed");
    r.title.push(random.pick(REPAIR_TITLES[reason || "NONE"] ?? REPAIR_TITLES.BREAKDOWN));
    r.cause.push(scheduled ? null : random.pick(CAUSES));
    r.actions.push(ongoing ? null : random.pick(ACTIONS));
    const cost = Math.round(random.logNormal(scheduled ? 90 : 180, scheduled ? 0.6 : 1) * 100) / 100;
    r.cost.push(ongoing ? null : cost);
    r.parts.push(!ongoing && cost > 150 ? random.pick(PARTS) : null);
    r.downtime.push(downtime);
    return r.start.length - 1;
  };

  const emit = (machine: number, type: number, s: number, e: number, reason: string) => {
    const t = type === SCHEDULE_BLOCK ? undefined : EVENT_TYPES[type];
    const i = d.start.length;
    d.start.push(s);
    d.end.push(e);
    d.machine.push(machine);
    d.type.push(type);
    d.reason.push(reason);
    d.note.push(t?.category === "unplanned" && type > 0 && random.chance(0.03) ? random.int(NOTES.length) : -1);
    d.source.push(t === undefined ? 2 : random.chance(t.plc) ? 0 : 1);
    // A few stops were entered twice or by mistake and deleted.
    d.deleted.push(type === 0 && !Number.isNaN(e) && random.chance(0.002));
    let repair = -1;
    if (
      t?.repair &&
      (!t.repair.onlyReasons || t.repair.onlyReasons.includes(reason)) &&
      random.chance(t.repair.share)
    ) {
      repair = addRepair(machine, i, t.repair.kind, reason, s, e);
    }
    d.repair.push(repair);
  };
  const drawReason = (type: number, chronic: number) => {
    const t = EVENT_TYPES[type];
    if (random.chance(t.noReason)) return "";
    // Each machine has a chronic short-stop problem on top of the plant-wide skew.
    if (type === 0 && random.chance(0.15)) return t.reasons[chronic];
    return t.reasons[random.weighted(reasonWeights[type])];
  };

  machines.forEach((m, i) => {
    const blocks = blocksBySchedule[lines[m.line].schedule];
    const cumulative = cumulate(weights[i]);
    const expected = (events * rate[i]) / rateTotal;
    const duration = weights[i].reduce((sum, w, k) => sum + w * meanDuration[k], 0) / cumulative.at(-1)!;
    const gap = Math.max(1, production[i] / Math.max(expected, 1e-9) - duration);
    const chronic = random.int(EVENT_TYPES[0].reasons.length);
    let t = m.commissioned;
    let b = blocks.findIndex(([, e]) => e > t);
    if (b < 0) b = blocks.length;
    for (;;) {
      const block = blocks[b];
      if (block && block[0] <= t) {
        const s = Math.max(block[0], t);
        const e = Math.min(block[1], stopAt[i]);
        if (e > s) emit(i, SCHEDULE_BLOCK, s, e, "NOT_SCHEDULED");
        t = Math.max(t, block[1]);
        b++;
        if (t >= stopAt[i]) break;
        continue;
      }
      const s = second(t + Math.max(MIN / 2, random.exponential(gap * MIN)));
      if (block && s >= block[0]) {
        t = block[0];
        continue;
      }
      if (s >= stopAt[i]) break;
      const type = random.weighted(cumulative);
      const spec = EVENT_TYPES[type];
      const minutes = Math.min(spec.max, Math.max(spec.min, random.logNormal(spec.median, spec.sigma)));
      const e = Math.min(second(s + minutes * MIN), block ? block[0] : Infinity, stopAt[i]);
      if (e <= s) {
        t = s;
        continue;
      }
      emit(i, type, s, e, drawReason(type, chronic));
      t = e;
    }
    if (m.ongoing) {
      const roll = random.next();
      const type = roll < 0.5 ? 2 : roll < 0.8 ? 0 : 4;
      const reason = type === 0 ? "" : drawReason(type, chronic);
      if (EVENT_TYPES[type].category === "unplanned") m.downBecause = "operational";
      emit(i, type, stopAt[i], NaN, reason);
      if (type === 2 && d.repair.at(-1) === -1)
        d.repair[d.repair.length - 1] = addRepair(i, d.start.length - 1, "unscheduled", reason, stopAt[i], NaN);
    }
  });

  // Repairs without a downtime: adjustments and fixes done while the machine ran, or outside production time.
  const standalone = Math.max(0, options.repairs - r.start.length);
  const lifetimes = cumulate(machines.map((m, i) => Math.max(0, stopAt[i] - m.commissioned)));
  for (let k = 0; k < standalone; k++) {
    const i = random.weighted(lifetimes);
    const s = second(random.between(machines[i].commissioned, stopAt[i] - 2 * HOUR));
    const e = second(s + Math.min(1440, Math.max(5, random.logNormal(45, 0.8))) * MIN);
    const recent = s > end - 10 * DAY;
    const roll = random.next();
    const status = e > end || (recent && roll < 0.4) ? "open" : recent && roll < 0.6 ? "in_progress" : "closed";
    r.start.push(s);
    r.end.push(status === "closed" ? e : NaN);
    r.machine.push(i);
    r.kind.push(random.chance(0.35) ? "scheduled" : "unscheduled");
    r.status.push(status);
    r.title.push(random.pick(REPAIR_TITLES.STANDALONE));
    r.cause.push(random.pick(CAUSES));
    r.actions.push(status === "closed" ? random.pick(ACTIONS) : null);
    const cost = Math.round(random.logNormal(60, 0.9) * 100) / 100;
    r.cost.push(status === "closed" ? cost : null);
    r.parts.push(status === "closed" && cost > 150 ? random.pick(PARTS) : null);
    r.downtime.push(-1);
  }

  return { start, end, lines, machines, d, r };
}

/** Indices of `starts` in time order (ties by index). */
function timeOrder(starts: number[]): Uint32Array {
  const order = new Uint32Array(starts.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => starts[a] - starts[b] || a - b);
}

// ---- rows -------------------------------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number) => (Number.isNaN(ms) ? null : new Date(ms).toISOString());

const DOWNTIME_COLUMNS: [string, string][] = [
  ["id", "text"],
  ["machine_id", "text"],
  ["line_id", "text"],
  ["start_datetime", "timestamptz"],
  ["end_datetime", "timestamptz"],
  ["duration_minutes", "float8"],
  ["category", "text"],
  ["reason_id", "text"],
  ["note", "text"],
  ["source", "text"],
  ["repair_id", "text"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["deleted_at", "timestamptz"],
];
const REPAIR_COLUMNS: [string, string][] = [
  ["id", "text"],
  ["machine_id", "text"],
  ["line_id", "text"],
  ["kind", "text"],
  ["status", "text"],
  ["start_datetime", "timestamptz"],
  ["end_datetime", "timestamptz"],
  ["title", "text"],
  ["cause", "text"],
  ["actions_taken", "text"],
  ["parts_used", "text"],
  ["cost", "numeric"],
  ["downtime_id", "text"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
];
const SOURCES = ["plc", "operator", "auto"];

function* downtimeRows(plant: Plant, reasonIds: Map<string, string>, ids: { downtimes: string[]; repairs: string[] }) {
  const { d } = plant;
  for (const i of timeOrder(d.start)) {
    const m = plant.machines[d.machine[i]];
    const ongoing = Number.isNaN(d.end[i]);
    const createdAt = ongoing ? d.start[i] : d.end[i];
    const category = d.type[i] === SCHEDULE_BLOCK ? "excluded" : EVENT_TYPES[d.type[i]].category;
    yield [
      ids.downtimes[i],
      m.id,
      plant.lines[m.line].id,
      iso(d.start[i]),
      isoOrNull(d.end[i]),
      ongoing ? null : (d.end[i] - d.start[i]) / MIN,
      category,
      d.reason[i] ? reasonIds.get(d.reason[i])! : null,
      d.note[i] >= 0 ? NOTES[d.note[i]] : null,
      SOURCES[d.source[i]],
      d.repair[i] >= 0 ? ids.repairs[d.repair[i]] : null,
      iso(createdAt),
      iso(d.deleted[i] ? createdAt + HOUR : createdAt),
      d.deleted[i] ? iso(createdAt + HOUR) : null,
    ];
  }
}

function* repairRows(plant: Plant, ids: { downtimes: string[]; repairs: string[] }) {
  const { r } = plant;
  for (const i of timeOrder(r.start)) {
    const m = plant.machines[r.machine[i]];
    const updated = Number.isNaN(r.end[i]) ? r.start[i] : r.end[i];
    yield [
      ids.repairs[i],
      m.id,
      plant.lines[m.line].id,
      r.kind[i],
      r.status[i],
      iso(r.start[i]),
      isoOrNull(r.end[i]),
      r.title[i],
      r.cause[i],
      r.actions[i],
      r.parts[i],
      r.cost[i],
      r.downtime[i] >= 0 ? ids.downtimes[r.downtime[i]] : null,
      iso(r.start[i]),
      iso(updated),
    ];
  }
}

// ---- writing ----------------------------------------------------------------------------------------------------

function configFor(target: PlantTarget) {
  return loadConfig(
    target.kind === "sqlite"
      ? { HOM_DATA_DIR: target.dataDir }
      : { DATABASE_URL: target.url, HOM_PG_SCHEMA: target.schema, HOM_DATA_DIR: "." },
  );
}

/** The SQLite file HOM uses for this data directory. */
export function sqliteFile(target: { dataDir: string }): string {
  const { database } = loadConfig({ HOM_DATA_DIR: target.dataDir });
  if (database.kind !== "sqlite") throw new Error("unreachable");
  return database.file;
}

/** Empties the target (SQLite file or PostgreSQL schema). */
export async function dropPlant(target: PlantTarget): Promise<void> {
  if (target.kind === "sqlite") {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(sqliteFile(target) + suffix, { force: true });
  } else {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(`drop schema if exists "${target.schema}" cascade`);
    await client.end();
  }
}

async function writePlantRows(db: Db, plant: Plant): Promise<Map<string, string>> {
  const k = db.kysely;
  if ((await k.selectFrom("lines").select("id").limit(1).execute()).length > 0) {
    throw new Error("the database already has lines: generate into an empty one (--replace empties it)");
  }
  const reasons = await k.selectFrom("downtime_reasons").select(["id", "code"]).execute();
  const reasonIds = new Map(reasons.map((row) => [row.code, row.id]));
  for (const t of EVENT_TYPES)
    for (const code of t.reasons) if (!reasonIds.has(code)) throw new Error(`no reason ${code}`);
  await k
    .insertInto("lines")
    .values(
      plant.lines.map((l) => ({
        id: l.id,
        code: l.code,
        name: l.name,
        description: l.schedule === "5-day" ? "Two shifts, Monday to Friday" : "Around the clock",
        status: "running",
        active: true,
        created_at: iso(l.created),
        updated_at: iso(l.created),
      })),
    )
    .execute();
  await k
    .insertInto("machines")
    .values(
      plant.machines.map((m, i) => ({
        id: m.id,
        line_id: plant.lines[m.line].id,
        code: m.code,
        name: `${m.manufacturer} ${m.model}`,
        asset_number: `A-${String(10001 + i)}`,
        manufacturer: m.manufacturer,
        model: m.model,
        serial_number: m.serial,
        type: "Injection moulding machine",
        status: m.retired !== null ? "retired" : m.downBecause ? "down" : "operational",
        status_before_down: m.downBecause,
        retired_at: m.retired !== null ? iso(m.retired) : null,
        notes: null,
        created_at: iso(m.commissioned === plant.start ? plant.start - 30 * DAY : m.commissioned),
        updated_at: iso(m.retired ?? plant.start),
      })),
    )
    .execute();
  return reasonIds;
}

function insertSqlite(
  file: string,
  plant: Plant,
  reasonIds: Map<string, string>,
  ids: { downtimes: string[]; repairs: string[] },
) {
  const raw = new SqliteDatabase(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = OFF"); // bulk load only: a crash here means generating again
  raw.pragma("foreign_keys = ON");
  raw.pragma("cache_size = -524288"); // 512 MiB for the index B-trees while loading
  try {
    const insert = (table: string, columns: [string, string][]) =>
      raw.prepare(
        `insert into ${table} (${columns.map((c) => c[0]).join(", ")}) values (${columns.map(() => "?").join(", ")})`,
      );
    const downtime = insert("downtimes", DOWNTIME_COLUMNS);
    const repair = insert("repairs", REPAIR_COLUMNS);
    raw.exec("begin");
    for (const row of downtimeRows(plant, reasonIds, ids)) downtime.run(row);
    for (const row of repairRows(plant, ids)) repair.run(row);
    raw.exec("commit");
  } finally {
    raw.close();
  }
}

async function insertPostgres(
  url: string,
  schema: string,
  plant: Plant,
  reasonIds: Map<string, string>,
  ids: { downtimes: string[]; repairs: string[] },
) {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const batchInsert = async (table: string, columns: [string, string][], rows: Iterable<unknown[]>) => {
      const sql = `insert into ${table} (${columns.map((c) => c[0]).join(", ")}) select * from unnest(${columns
        .map(([, type], i) => `$${i + 1}::${type}[]`)
        .join(", ")})`;
      let batch: unknown[][] = columns.map(() => []);
      let size = 0;
      const flush = async () => {
        if (size === 0) return;
        await client.query(sql, batch);
        batch = columns.map(() => []);
        size = 0;
      };
      for (const row of rows) {
        for (let c = 0; c < row.length; c++) batch[c].push(row[c]);
        if (++size === 5000) await flush();
      }
      await flush();
    };
    await client.query("begin");
    // A bulk load, as a restore would do it: row triggers off (the downtime totals are rebuilt once
    // afterwards, in generatePlant), which makes the load about four times faster.
    await client.query("set local session_replication_role = replica");
    await batchInsert("downtimes", DOWNTIME_COLUMNS, downtimeRows(plant, reasonIds, ids));
    await batchInsert("repairs", REPAIR_COLUMNS, repairRows(plant, ids));
    await client.query("commit");
  } finally {
    await client.end();
  }
}

/**
 * Creates the schema through the real migrations, then fills it with a generated plant. The target must be empty.
 * On PostgreSQL the tables are analysed afterwards, as autovacuum would do within a minute of a bulk load; on
 * SQLite only with `analyze` (HOM does not run ANALYZE itself).
 */
export async function generatePlant(
  target: PlantTarget,
  options: PlantOptions = DEFAULT_PLANT,
  log: (message: string) => void = () => {},
): Promise<PlantSummary> {
  const began = performance.now();
  const plant = generate(options, log);
  const ids = new Random(options.seed ^ 0x1d5);
  const repairIds = plant.r.start.map((s) => ids.uuid7(s));
  const downtimeIds = plant.d.start.map((s, i) => ids.uuid7(Number.isNaN(plant.d.end[i]) ? s : plant.d.end[i]));
  const idLists = { downtimes: downtimeIds, repairs: repairIds };
  const generated = performance.now();
  log(
    `generated ${plant.d.start.length} downtimes and ${plant.r.start.length} repairs in memory in ${((generated - began) / 1000).toFixed(1)} s`,
  );

  const db = await openDatabase(configFor(target).database);
  let reasonIds: Map<string, string>;
  try {
    await migrateToLatest(db);
    reasonIds = await writePlantRows(db, plant);
  } finally {
    await db.close();
  }
  const insertStart = performance.now();
  if (target.kind === "sqlite") insertSqlite(sqliteFile(target), plant, reasonIds, idLists);
  else {
    await insertPostgres(target.url, target.schema, plant, reasonIds, idLists);
    const db = await openDatabase(configFor(target).database);
    await backfillDowntimeTotals(db.kysely, db.dialect)
      .then(() => backfillPlantDayTotals(db.kysely, db.dialect))
      .finally(() => db.close());
  }
  const inserted = performance.now();
  const rows = plant.d.start.length + plant.r.start.length;
  log(
    `inserted ${rows} rows in ${((inserted - insertStart) / 1000).toFixed(1)} s (${Math.round(rows / ((inserted - insertStart) / 1000))} rows/s)`,
  );

  let bytes: number | null = null;
  if (target.kind === "sqlite") {
    const raw = new SqliteDatabase(sqliteFile(target));
    if (target.analyze) raw.exec("analyze");
    raw.pragma("wal_checkpoint(TRUNCATE)");
    raw.close();
    bytes = statSync(sqliteFile(target)).size;
  } else {
    const client = new pg.Client({ connectionString: target.url, options: `-c search_path=${target.schema}` });
    await client.connect();
    await client.query(
      "vacuum analyze lines, machines, downtimes, repairs, downtime_day_totals, downtime_month_totals, downtime_plant_day_totals",
    );
    await client.end();
  }
  const finished = performance.now();
  log(
    `${target.kind === "sqlite" ? "checkpoint" : "vacuum analyze"} in ${((finished - inserted) / 1000).toFixed(1)} s`,
  );

  const category = (i: number) =>
    plant.d.type[i] === SCHEDULE_BLOCK ? "excluded" : EVENT_TYPES[plant.d.type[i]].category;
  const counts = { unplanned: 0, planned: 0, excluded: 0 };
  plant.d.type.forEach((_, i) => counts[category(i)]++);
  return {
    options: { ...options, end: iso(plant.end) },
    start: iso(plant.start),
    end: iso(plant.end),
    lines: plant.lines.map((l) => ({ id: l.id, code: l.code, schedule: l.schedule })),
    machines: plant.machines.map((m) => ({
      id: m.id,
      code: m.code,
      line_id: plant.lines[m.line].id,
      commissioned: iso(m.commissioned),
      retired: m.retired === null ? null : iso(m.retired),
    })),
    counts: {
      downtimes: plant.d.start.length,
      ...counts,
      without_reason: plant.d.reason.filter((r) => r === "").length,
      ongoing: plant.d.end.filter((e) => Number.isNaN(e)).length,
      deleted: plant.d.deleted.filter(Boolean).length,
      repairs: plant.r.start.length,
      repairs_linked: plant.r.downtime.filter((x) => x >= 0).length,
    },
    timings: {
      generate_ms: Math.round(generated - began),
      insert_ms: Math.round(inserted - insertStart),
      finish_ms: Math.round(finished - inserted),
      total_ms: Math.round(finished - began),
      rows_per_second: Math.round(rows / ((inserted - insertStart) / 1000)),
    },
    bytes,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      sqlite: { type: "string" },
      postgres: { type: "string" },
      url: { type: "string" },
      seed: { type: "string", default: String(DEFAULT_PLANT.seed) },
      lines: { type: "string", default: String(DEFAULT_PLANT.lines) },
      machines: { type: "string", default: String(DEFAULT_PLANT.machines) },
      downtimes: { type: "string", default: String(DEFAULT_PLANT.downtimes) },
      repairs: { type: "string", default: String(DEFAULT_PLANT.repairs) },
      years: { type: "string", default: String(DEFAULT_PLANT.years) },
      end: { type: "string" },
      analyze: { type: "boolean", default: false },
      replace: { type: "boolean", default: false },
    },
  });
  if (Boolean(values.sqlite) === Boolean(values.postgres)) {
    console.error(
      "Usage: node bench/generate-plant.ts --sqlite DIR | --postgres SCHEMA [--downtimes N] [--repairs N] …",
    );
    process.exit(2);
  }
  const target: PlantTarget = values.sqlite
    ? { kind: "sqlite", dataDir: values.sqlite, analyze: values.analyze }
    : {
        kind: "postgres",
        url:
          values.url ??
          process.env.DATABASE_URL ??
          process.env.HOM_TEST_DATABASE_URL ??
          "postgres://postgres@127.0.0.1:5432/test",
        schema: values.postgres!,
      };
  if (values.replace) await dropPlant(target);
  const summary = await generatePlant(
    target,
    {
      seed: Number(values.seed),
      lines: Number(values.lines),
      machines: Number(values.machines),
      downtimes: Number(values.downtimes),
      repairs: Number(values.repairs),
      years: Number(values.years),
      end: values.end,
    },
    (message) => console.error(message),
  );
  console.log(JSON.stringify({ ...summary, lines: summary.lines.length, machines: summary.machines.length }, null, 2));
}
