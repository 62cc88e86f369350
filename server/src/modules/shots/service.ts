import type { Insertable } from "kysely";
import { Histogram, type Registry } from "prom-client";
import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { lockRows, transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool, type ShotEntriesTable } from "../../db/schema.ts";
import { AppError, conflict, fromZodError, notFound, type ErrorDetail } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { dateTimeInput, idInput, parseInput, isInFuture, quickDateTime } from "../../validate.ts";
import { machinesRepo } from "../plant/repo.ts";
import { toolMountsRepo, toolsRepo, type ToolRow } from "../tools/repo.ts";
import { GroupCommit } from "./group-commit.ts";
import { shotCountersRepo, shotsRepo, type ShotEntryRow } from "./repo.ts";

export const SHOT_SOURCES = ["manual", "import", "plc", "mqtt", "opcua"] as const;
export type ShotSource = (typeof SHOT_SOURCES)[number];
export const MAX_BATCH = 10_000;
const MAX_SHOTS = 1_000_000_000_000;

export interface ShotEntry {
  id: string;
  tool_id: string;
  machine_id: string | null;
  delta: number;
  total: number | null;
  counter_reset: boolean;
  source: string;
  recorded_at: string;
  external_id: string | null;
  created_by: string | null;
  created_at: string;
}

export function publicEntry(row: ShotEntryRow): ShotEntry {
  const { request_id: _request, ...entry } = row;
  return {
    ...entry,
    delta: Number(row.delta),
    total: row.total === null ? null : Number(row.total),
    counter_reset: toBool(row.counter_reset),
  };
}

/** What happened to one entry of a batch or one machine message. */
export interface ShotResult {
  index: number;
  status: "stored" | "duplicate" | "ignored" | "rejected";
  entry_id?: string;
  tool_id?: string;
  delta?: number;
  counter_reset?: boolean;
  error?: { code: string; message: string; details: ErrorDetail[] };
}

const amount = z.number().int("must be a whole number").max(MAX_SHOTS, `must be at most ${MAX_SHOTS}`);
const entryFields = {
  count: amount.min(1, "must be at least 1").optional(),
  total: amount.min(0, "must not be negative").optional(),
  source: z.enum(SHOT_SOURCES).default("manual"),
  recorded_at: dateTimeInput.optional(),
  external_id: z.string().trim().min(1).max(200).optional(),
};
export const recordShotsSchema = z.strictObject(entryFields).superRefine(exactlyOneOfCountAndTotal);
export const batchEntrySchema = z
  .strictObject({ tool_id: idInput.optional(), machine_id: idInput.optional(), ...entryFields })
  .superRefine(exactlyOneOfCountAndTotal)
  .superRefine((entry, ctx) => {
    if ((entry.tool_id === undefined) === (entry.machine_id === undefined)) {
      ctx.addIssue({ code: "custom", path: ["tool_id"], message: "Give exactly one of tool_id or machine_id" });
    }
  });
export const batchSchema = z.strictObject({
  entries: z
    .array(z.unknown())
    .min(1, "must hold at least one entry")
    .max(MAX_BATCH, `must hold at most ${MAX_BATCH} entries`),
});
export const listShotsSchema = z.strictObject({
  ...pageQuery,
  from: dateTimeInput.optional(),
  to: dateTimeInput.optional(),
});

export type ShotInput = z.output<typeof batchEntrySchema>;

const ENTRY_KEYS = new Set(["tool_id", "machine_id", "count", "total", "source", "recorded_at", "external_id"]);
const SOURCE_NAMES = new Set<string>(SHOT_SOURCES);

const whole = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
/** A string the schema's `.trim().min(1).max(max)` keeps as it is. */
const plainText = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length >= 1 && v.length <= max && v.trim() === v;

/**
 * The common, valid batch entry without the schema machinery (a batch holds up to 10,000 and a
 * feed sends thousands a second). It accepts only what `batchEntrySchema` accepts, normalised
 * alike (absent fields are undefined), and returns undefined for anything else: that goes
 * through the schema, which words the errors.
 */
function quickEntry(raw: unknown): ShotInput | undefined {
  if (typeof raw !== "object" || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) return undefined;
  const e = raw as Record<string, unknown>;
  for (const key in e) if (!ENTRY_KEYS.has(key)) return undefined;
  const { tool_id, machine_id, count, total, source, recorded_at, external_id } = e;
  if (tool_id === undefined ? !plainText(machine_id, 64) : machine_id !== undefined || !plainText(tool_id, 64)) {
    return undefined;
  }
  if (count === undefined ? !whole(total, 0, MAX_SHOTS) : total !== undefined || !whole(count, 1, MAX_SHOTS)) {
    return undefined;
  }
  if (source !== undefined && !(typeof source === "string" && SOURCE_NAMES.has(source))) return undefined;
  if (external_id !== undefined && !plainText(external_id, 200)) return undefined;
  let recordedAt: string | undefined;
  if (recorded_at !== undefined) {
    recordedAt = quickDateTime(recorded_at);
    if (recordedAt === undefined) return undefined;
  }
  return {
    tool_id,
    machine_id,
    count,
    total,
    source: (source ?? "manual") as ShotSource,
    recorded_at: recordedAt,
    external_id,
  } as ShotInput;
}

/**
 * One entry of a batch or feed: the quick check for the common shape, the schema for the rest
 * (`quick` false: the schema alone, to compare the two in tests).
 */
export function parseBatchEntry(raw: unknown, quick = true): z.ZodSafeParseResult<ShotInput> {
  const data = quick ? quickEntry(raw) : undefined;
  return data ? { success: true, data } : batchEntrySchema.safeParse(raw);
}

/** Who an entry is stored for: kept on the entry (shot entries are their own audit trail). */
interface Origin {
  actorId: string | null;
  requestId: string;
}

/** One request's entry waiting for a group commit, and what became of it. */
interface SingleEntry {
  entry: ShotInput;
  origin: Origin;
}
interface SingleOutcome {
  result: ShotResult;
  row?: Insertable<ShotEntriesTable>;
}

/** Entries of concurrent single-entry requests committed together at most (see GroupCommit). */
const MAX_GROUP = 500;

function exactlyOneOfCountAndTotal(entry: { count?: number; total?: number }, ctx: z.RefinementCtx): void {
  if ((entry.count === undefined) === (entry.total === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["count"],
      message: "Give exactly one of count (shots since the last entry) or total (a counter reading)",
    });
  }
}

/**
 * Shot counts (SPEC §7) from people, imports and machines, all through `#ingest`: deltas
 * added atomically to `lifetime_shots`, counter readings turned into deltas (a reading below
 * the last is a counter reset), idempotency keys stored once. Shot entries are immutable and
 * carry who, when, from where and the request id; they are their own audit trail, so a
 * press reporting every cycle does not flood the audit chain (docs/decisions.md).
 */
export class ShotService {
  readonly #db: Db;
  #afterCommit: ((toolIds: string[]) => void) | undefined;
  /**
   * Single entries (REST, GraphQL) of concurrent requests share one transaction: fifty operators
   * or PLCs writing to one tool wait for one commit, not for fifty in turn on the tool's row.
   */
  readonly #singles = new GroupCommit<SingleEntry, SingleOutcome>({
    maxBatch: MAX_GROUP,
    onBatch: (size) => this.#groupSizes?.observe(size),
    // A repeated idempotency key waits for the next batch, so it meets the first one's stored row.
    conflictKey: ({ entry }) => (entry.external_id ? `${entry.source}\u0000${entry.external_id}` : undefined),
    commit: async (items) => {
      const { results, rows } = await this.#ingest(
        items.map((i) => i.entry),
        (i) => items[i].origin,
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return results.map((result) => ({ result, row: result.entry_id ? byId.get(result.entry_id) : undefined }));
    },
  });

  readonly #groupSizes: Histogram | undefined;

  constructor(db: Db, registry?: Registry) {
    this.#db = db;
    this.#groupSizes =
      registry &&
      new Histogram({
        name: "hom_shot_group_commit_entries",
        help: "Single shot entries (REST, GraphQL) committed together in one transaction",
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
        registers: [registry],
      });
  }

  /**
   * Called with the tools whose count grew, after the ingest committed: plan checks run then,
   * off the ingest path (its transaction gains no query). The listener must not throw or wait.
   */
  onShotsCommitted(listener: (toolIds: string[]) => void): void {
    this.#afterCommit = listener;
  }

  async list(ctx: RequestContext, toolId: string, query: unknown): Promise<Page<ShotEntry>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listShotsSchema, query);
    if (!(await toolsRepo.findById(this.#db.kysely, toolId))) throw notFound("Tool");
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await shotsRepo.list(this.#db.kysely, { toolId, from: q.from, to: q.to, before }, q.limit + 1);
    return toPage(rows, q.limit, (r) => [r.recorded_at, r.id], publicEntry);
  }

  /**
   * One entry for one tool (REST `POST /tools/{id}/shots`, GraphQL `recordShots`). A repeated
   * idempotency key answers the entry stored the first time (`created: false`).
   */
  async record(ctx: RequestContext, toolId: string, input: unknown): Promise<{ entry: ShotEntry; created: boolean }> {
    const actor = authorize(ctx, "shots:write");
    const fields = parseInput(recordShotsSchema, input);
    const { result, row: stored } = await this.#singles.submit({
      entry: { ...fields, tool_id: toolId },
      origin: { actorId: actor.id, requestId: ctx.requestId },
    });
    if (result.status === "ignored") throw conflict(result.error!.message, result.error!.details);
    if (result.status === "rejected") {
      const code = result.error!.details[0]?.code;
      if (code === "not_found") throw notFound("Tool");
      if (code === "retired") throw conflict(result.error!.message, result.error!.details);
      throw new AppError(422, result.error!.code, result.error!.message, result.error!.details);
    }
    // A stored entry is answered as it was written (the same values a read gives back).
    if (result.status === "stored" && stored) return { entry: publicEntry(stored as ShotEntryRow), created: true };
    const row =
      result.status === "duplicate"
        ? await shotsRepo.findByExternalId(this.#db.kysely, fields.source, fields.external_id!)
        : await shotsRepo.findById(this.#db.kysely, result.entry_id!);
    if (!row) throw notFound("Shot entry");
    return { entry: publicEntry(row), created: result.status === "stored" };
  }

  /** Up to 10,000 entries for tools or machines, with one result per entry (REST `POST /shots`). */
  async recordBatch(ctx: RequestContext, input: unknown): Promise<{ results: ShotResult[] }> {
    const actor = authorize(ctx, "shots:write");
    const { entries } = parseInput(batchSchema, input);
    return { results: await this.ingestRaw(ctx, entries, actor.id) };
  }

  /**
   * Entries as they arrive from a feed (MQTT, OPC UA) or a batch: each validated on its own,
   * so one bad entry never spoils the rest. The caller has been authorized.
   */
  async ingestRaw(
    ctx: RequestContext,
    raw: unknown[],
    actorId: string | null,
    /** Runs in the same transaction once the results are known: a feed records its messages with them. */
    within?: (trx: Tx, results: ShotResult[]) => Promise<void>,
  ): Promise<ShotResult[]> {
    const results: ShotResult[] = new Array(raw.length);
    const valid: ShotInput[] = [];
    const validIndex: number[] = [];
    raw.forEach((entry, index) => {
      const parsed = parseBatchEntry(entry);
      if (parsed.success) {
        valid.push(parsed.data);
        validIndex.push(index);
      } else {
        results[index] = { index, status: "rejected", error: errorBody(fromZodError(parsed.error).details) };
      }
    });
    // The outcomes are the ingest's own objects: given their index in `raw` in place, not copied.
    const place = (outcomes: ShotResult[]) => {
      for (let i = 0; i < outcomes.length; i++) {
        outcomes[i].index = validIndex[i];
        results[validIndex[i]] = outcomes[i];
      }
    };
    const origin = { actorId, requestId: ctx.requestId };
    const { results: outcomes } = await this.#ingest(
      valid,
      () => origin,
      within &&
        (async (trx, outcomes) => {
          place(outcomes);
          await within(trx, results);
        }),
    );
    place(outcomes);
    return results;
  }

  /** Stores entries in one transaction: one result per entry, and the rows inserted. */
  async #ingest(
    entries: ShotInput[],
    originOf: (index: number) => Origin,
    within?: (trx: Tx, results: ShotResult[]) => Promise<void>,
  ): Promise<{ results: ShotResult[]; rows: Insertable<ShotEntriesTable>[] }> {
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const results: ShotResult[] = entries.map((_, index) => ({ index, status: "stored" }));
    const reject = (i: number, field: string, code: string, message: string) => {
      results[i] = {
        index: i,
        status: "rejected",
        error: { code: "VALIDATION_FAILED", message, details: [{ field, message, code }] },
      };
    };
    entries.forEach((e, i) => {
      if (e.recorded_at && isInFuture(e.recorded_at, nowMs)) {
        reject(i, "recorded_at", "future", "must not be in the future");
      }
    });

    const counted = new Set<string>();
    const outcome = await transaction(this.#db, async (trx) => {
      const tools = await this.#lockOwners(trx, entries, results);
      const toolOf = await this.#attributeToTools(trx, entries, results, tools, now);
      for (const [i, toolId] of toolOf) {
        const tool = tools.get(toolId);
        if (!tool) reject(i, "tool_id", "not_found", "No tool with this id");
        else if (tool.status === "retired") reject(i, "tool_id", "retired", "The tool is retired");
      }

      await this.#markDuplicates(trx, entries, results);
      const counters = await shotCountersRepo.read(trx, counterKeys(entries, results));
      const rows: Insertable<ShotEntriesTable>[] = [];
      const counterWrites = new Map<string, { value: number; at: string }>();
      // Shots this batch has added per tool so far: a tool's first reading compares with them too.
      const addedSoFar = new Map<string, number>();
      entries.forEach((e, i) => {
        const recordedAt = e.recorded_at ?? now;
        const counterKey = e.total !== undefined ? keyOf(e) : undefined;
        let delta = e.count ?? 0;
        let reset = false;
        if (counterKey && results[i].status !== "rejected" && results[i].status !== "duplicate") {
          const last = counters.get(counterKey) ?? firstReading(e, tools, addedSoFar);
          if (last && recordedAt < last.last_recorded_at) {
            // An older reading arriving late is not a reset; it adds nothing.
            results[i] = {
              index: i,
              status: "ignored",
              error: errorBody([
                { field: "recorded_at", message: "older than the last reading of this counter", code: "stale" },
              ]),
            };
            return;
          }
          if (last) {
            reset = e.total! < last.last_value;
            delta = reset ? e.total! : e.total! - last.last_value;
          }
          const reading = { last_value: e.total!, last_recorded_at: recordedAt };
          counters.set(counterKey, reading);
          counterWrites.set(counterKey, { value: e.total!, at: recordedAt });
        }
        if (results[i].status !== "stored") return;
        const toolId = toolOf.get(i);
        if (!toolId) return; // a machine reading with no tool mounted: it only moved the counter
        const id = newId(nowMs);
        rows.push({
          id,
          tool_id: toolId,
          machine_id: e.machine_id ?? tools.get(toolId)?.machine_id ?? null,
          delta,
          total: e.total ?? null,
          counter_reset: reset,
          source: e.source,
          recorded_at: recordedAt,
          external_id: e.external_id ?? null,
          created_by: originOf(i).actorId,
          request_id: originOf(i).requestId,
          created_at: now,
        });
        results[i] = { index: i, status: "stored", entry_id: id, tool_id: toolId, delta, counter_reset: reset };
        addedSoFar.set(toolId, (addedSoFar.get(toolId) ?? 0) + delta);
      });

      const inserted = await shotsRepo.insertEntries(trx, rows, this.#db.sqlite);
      const increments = new Map<string, number>();
      for (const row of rows) {
        if (!inserted.has(row.id)) continue;
        increments.set(row.tool_id, (increments.get(row.tool_id) ?? 0) + Number(row.delta));
      }
      for (const result of results) {
        // Lost a race on the idempotency key to a concurrent request: the other one counted it.
        if (result.status === "stored" && result.entry_id && !inserted.has(result.entry_id)) {
          results[result.index] = { index: result.index, status: "duplicate", tool_id: result.tool_id };
        }
      }
      // In id order, like the locks: two transactions adding to the same tools never wait on each other crosswise.
      for (const [toolId, delta] of [...increments].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (delta === 0) continue;
        await toolsRepo.addShots(trx, toolId, delta, now, this.#db.sqlite);
        counted.add(toolId);
      }
      for (const [key, { value, at }] of counterWrites)
        await shotCountersRepo.upsert(trx, key, value, at, now, this.#db.sqlite);
      if (within) await within(trx, results);
      return { results, rows: rows.filter((row) => inserted.has(row.id)) };
    });
    if (counted.size > 0) this.#afterCommit?.([...counted]);
    return outcome;
  }

  /**
   * Readings of absolute counters take turns per owner: the tools and machines they belong to
   * are locked (in id order, so two batches cannot deadlock). Plain counts need no lock: they
   * are added atomically. Returns the tools named or mounted on the machines named.
   */
  async #lockOwners(trx: Tx, entries: ShotInput[], results: ShotResult[]): Promise<Map<string, ToolRow>> {
    const toolIds = new Set<string>();
    const machineIds = new Set<string>();
    entries.forEach((e, i) => {
      if (results[i].status === "rejected") return;
      if (e.tool_id) toolIds.add(e.tool_id);
      if (e.machine_id) machineIds.add(e.machine_id);
    });
    const lockTools = new Set(entries.filter((e) => e.total !== undefined && e.tool_id).map((e) => e.tool_id!));
    await lockRows(trx, "tools", [...lockTools], this.#db.sqlite);
    const lockMachines = new Set(
      entries.filter((e) => e.total !== undefined && e.machine_id).map((e) => e.machine_id!),
    );
    await lockRows(trx, "machines", [...lockMachines], this.#db.sqlite);
    const mountedNow = machineIds.size ? await toolsRepo.findMountedOn(trx, [...machineIds]) : [];
    const named = toolIds.size ? await toolsRepo.findByIds(trx, [...toolIds]) : [];
    return new Map([...named, ...mountedNow].map((t) => [t.id, t]));
  }

  /** Which tool each entry counts for: the one named, or the one on the machine at that moment. */
  async #attributeToTools(
    trx: Tx,
    entries: ShotInput[],
    results: ShotResult[],
    tools: Map<string, ToolRow>,
    now: string,
  ): Promise<Map<number, string>> {
    const toolOf = new Map<number, string>();
    const mountedNow = new Map([...tools.values()].filter((t) => t.machine_id).map((t) => [t.machine_id!, t.id]));
    // The machines named, and the latest mount of those with a reading from before now: one query
    // each for the batch (machine feeds send many readings of dozens of machines a batch).
    const named = new Set<string>();
    const earlier = new Set<string>();
    entries.forEach((e, i) => {
      if (results[i].status === "rejected" || !e.machine_id) return;
      named.add(e.machine_id);
      if ((e.recorded_at ?? now) < now) earlier.add(e.machine_id);
    });
    const machines = new Set(named.size ? (await machinesRepo.findByIds(trx, [...named])).map((m) => m.id) : []);
    const latestMounts = earlier.size ? await toolMountsRepo.latestOnMachines(trx, [...earlier]) : new Map();
    for (const [i, e] of entries.entries()) {
      if (results[i].status === "rejected") continue;
      if (e.tool_id) {
        toolOf.set(i, e.tool_id);
        continue;
      }
      const machineId = e.machine_id!;
      if (!machines.has(machineId)) {
        results[i] = {
          index: i,
          status: "rejected",
          error: errorBody([{ field: "machine_id", message: "No machine with this id", code: "not_found" }]),
        };
        continue;
      }
      const at = e.recorded_at ?? now;
      let toolId: string | undefined;
      if (at >= now) toolId = mountedNow.get(machineId);
      else {
        // A reading since the machine's open mount began belongs to that tool, without a query per reading.
        const last = latestMounts.get(machineId);
        const open = last && last.unmounted_at === null ? last : undefined;
        toolId =
          open && at >= open.mounted_at ? open.tool_id : await toolMountsRepo.toolOnMachineAt(trx, machineId, at);
      }
      if (toolId) {
        toolOf.set(i, toolId);
        if (!tools.has(toolId)) {
          const tool = await toolsRepo.findById(trx, toolId);
          if (tool) tools.set(toolId, tool);
        }
      } else if (e.count !== undefined) {
        results[i] = {
          index: i,
          status: "ignored",
          error: errorBody([
            { field: "machine_id", message: "No tool was mounted on the machine then", code: "no_tool" },
          ]),
        };
      }
    }
    return toolOf;
  }

  /** Idempotency keys seen before, or twice in this batch: stored once. */
  async #markDuplicates(trx: Tx, entries: ShotInput[], results: ShotResult[]): Promise<void> {
    const bySource = new Map<string, string[]>();
    entries.forEach((e, i) => {
      if (!e.external_id || results[i].status === "rejected") return;
      const list = bySource.get(e.source);
      if (list) list.push(e.external_id);
      else bySource.set(e.source, [e.external_id]);
    });
    // Per source, the keys stored already and then those met earlier in the batch.
    const seen = new Map<string, Set<string>>();
    for (const [source, ids] of bySource) {
      seen.set(source, await shotsRepo.existingExternalIds(trx, source, ids, this.#db.sqlite));
    }
    entries.forEach((e, i) => {
      if (!e.external_id || results[i].status === "rejected") return;
      const keys = seen.get(e.source)!;
      if (keys.has(e.external_id)) results[i] = { index: i, status: "duplicate" };
      keys.add(e.external_id);
    });
  }
}

/** The absolute counter a reading belongs to: the tool's own, or the machine's cycle counter. */
function keyOf(entry: ShotInput): string {
  return entry.tool_id ? `tool:${entry.tool_id}` : `machine:${entry.machine_id}`;
}

function counterKeys(entries: ShotInput[], results: ShotResult[]): string[] {
  return [...new Set(entries.filter((e, i) => e.total !== undefined && results[i].status !== "rejected").map(keyOf))];
}

/**
 * Without an earlier reading: a tool's counter is taken to have stood at the tool's lifetime
 * shots (so a first reading of 5,000 on a new mould adds 5,000); a machine's first reading only
 * sets the baseline (its cycles before HOM knew it belong to no tool).
 */
function firstReading(
  entry: ShotInput,
  tools: Map<string, ToolRow>,
  addedSoFar: Map<string, number>,
): { last_value: number; last_recorded_at: string } | undefined {
  if (!entry.tool_id) return undefined;
  const tool = tools.get(entry.tool_id);
  if (!tool) return undefined;
  const lifetime = Number(tool.lifetime_shots) + (addedSoFar.get(tool.id) ?? 0);
  return { last_value: Math.min(lifetime, entry.total!), last_recorded_at: "" };
}

function errorBody(details: ErrorDetail[]) {
  return { code: "VALIDATION_FAILED", message: details[0]?.message ?? "Invalid entry", details };
}
