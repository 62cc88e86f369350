import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { can, type Permission } from "../../access/permissions.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { AppError, conflict, notFound, validationFailed, type ErrorDetail } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, dateTimeInput, idInput, optionalText, parseInput, isInFuture } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { downtimeReasonsRepo } from "../downtime-reasons/repo.ts";
import { DOWNTIME_CATEGORIES, requireUsableReason } from "../downtime-reasons/service.ts";
import { machinesRepo, type MachineRow } from "../plant/repo.ts";
import { requireMachineInService, requireSameLine } from "../plant/service.ts";
import { setRepairOfDowntime } from "../repairs/link.ts";
import { downtimesRepo, type DowntimeRow } from "./repo.ts";

export const DOWNTIME_SOURCES = ["operator", "plc", "auto"] as const;

/** Longest downtime one record may describe: a year. Longer is a typing error, not a stop. */
const MAX_DURATION_MINUTES = 366 * 24 * 60;

export interface Downtime {
  id: string;
  machine_id: string;
  line_id: string;
  start_datetime: string;
  end_datetime: string | null;
  duration_minutes: number | null;
  ongoing: boolean;
  category: string;
  reason_id: string | null;
  note: string | null;
  source: string;
  repair_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export function publicDowntime(row: DowntimeRow): Downtime {
  const { deleted_at: _deleted, ...downtime } = row;
  return {
    ...downtime,
    duration_minutes: row.duration_minutes === null ? null : round2(row.duration_minutes),
    ongoing: row.end_datetime === null,
  };
}

const durationMinutes = z
  .number()
  .positive("must be greater than 0")
  .max(MAX_DURATION_MINUTES, `must be at most ${MAX_DURATION_MINUTES} (a year)`);

export const createSchema = z.strictObject({
  machine_id: idInput,
  line_id: idInput.optional(),
  start_datetime: dateTimeInput.optional(),
  end_datetime: dateTimeInput.optional(),
  duration_minutes: durationMinutes.optional(),
  category: z.enum(DOWNTIME_CATEGORIES).optional(),
  reason_id: idInput.nullish(),
  note: optionalText(2000),
  source: z.enum(DOWNTIME_SOURCES).default("operator"),
});

export const updateSchema = z.strictObject({
  start_datetime: dateTimeInput.optional(),
  end_datetime: dateTimeInput.nullable().optional(),
  duration_minutes: durationMinutes.optional(),
  category: z.enum(DOWNTIME_CATEGORIES).optional(),
  reason_id: idInput.nullable().optional(),
  note: optionalText(2000),
  repair_id: idInput.nullable().optional(),
});

export const endSchema = z.strictObject({
  end_datetime: dateTimeInput.optional(),
  reason_id: idInput.nullish(),
  note: optionalText(2000),
});

export const listSchema = z.strictObject({
  ...pageQuery,
  machine_id: idInput.optional(),
  line_id: idInput.optional(),
  category: z.enum(DOWNTIME_CATEGORIES).optional(),
  reason_id: idInput.optional(),
  ongoing: booleanQuery.optional(),
  from: dateTimeInput.optional(),
  to: dateTimeInput.optional(),
});

/**
 * Who may change which field of an existing downtime: at the press an operator ends it and
 * picks the reason; correcting times or category is an engineer's job; linking a repair is
 * repair work.
 */
const FIELD_PERMISSION: Record<keyof z.output<typeof updateSchema>, Permission> = {
  reason_id: "downtimes:operate",
  note: "downtimes:operate",
  start_datetime: "downtimes:write",
  end_datetime: "downtimes:write",
  duration_minutes: "downtimes:write",
  category: "downtimes:write",
  repair_id: "repairs:write",
};

/**
 * Downtimes (SPEC §5): started and ended at the press or recorded afterwards. One machine's
 * downtimes never overlap and at most one is ongoing; an ongoing unplanned one holds the
 * machine `down`.
 */
export class DowntimeService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async get(ctx: RequestContext, id: string): Promise<Downtime> {
    authorize(ctx, "plant:read");
    const row = await downtimesRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Downtime");
    return publicDowntime(row);
  }

  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<Downtime[]> {
    authorize(ctx, "plant:read");
    return (await downtimesRepo.findByIds(this.#db.kysely, ids)).map(publicDowntime);
  }

  /** Ongoing downtimes by category, plant-wide, for /metrics. */
  countOngoing(): Promise<Record<string, number>> {
    return downtimesRepo.countOngoing(this.#db.kysely);
  }

  /** The ongoing downtime of each machine that has one. */
  async ongoingOf(ctx: RequestContext, machineIds: readonly string[]): Promise<Downtime[]> {
    authorize(ctx, "plant:read");
    return (await downtimesRepo.findOngoing(this.#db.kysely, machineIds)).map(publicDowntime);
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Downtime>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listSchema, query);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await downtimesRepo.list(
      this.#db.kysely,
      {
        machineId: q.machine_id,
        lineId: q.line_id,
        category: q.category,
        reasonId: q.reason_id,
        ongoing: q.ongoing,
        from: q.from,
        to: q.to,
        before,
      },
      q.limit + 1,
    );
    return toPage(rows, q.limit, (r) => [r.start_datetime, r.id], publicDowntime);
  }

  /**
   * Starts a downtime now, or records one: start + end, or start + duration. Without an end it
   * is ongoing.
   */
  async create(ctx: RequestContext, input: unknown): Promise<Downtime> {
    const actor = authorize(ctx, "downtimes:operate");
    const fields = parseInput(createSchema, input);
    if (fields.end_datetime !== undefined && fields.duration_minutes !== undefined) {
      throw validationFailed([
        {
          field: "duration_minutes",
          message: "Give end_datetime or duration_minutes, not both",
          code: "conflicting_fields",
        },
      ]);
    }
    const now = Date.now();
    const start = fields.start_datetime ?? new Date(now).toISOString();
    const end =
      fields.duration_minutes !== undefined
        ? addMinutes(start, fields.duration_minutes)
        : (fields.end_datetime ?? null);
    checkTimes(start, end, now);

    return transaction(this.#db, async (trx) => {
      const machine = await requireMachineInService(trx, fields.machine_id);
      requireSameLine(machine, fields.line_id);
      let category = fields.category;
      if (fields.reason_id) category = (await requireUsableReason(trx, fields.reason_id, category)).category as never;
      await requireNoOverlap(trx, machine.id, start, end);
      const stamp = new Date(now).toISOString();
      const row: DowntimeRow = {
        id: newId(),
        machine_id: machine.id,
        line_id: machine.line_id,
        start_datetime: start,
        end_datetime: end,
        duration_minutes: end === null ? null : minutesBetween(start, end),
        category: category ?? "unplanned",
        reason_id: fields.reason_id ?? null,
        note: fields.note ?? null,
        source: fields.source,
        repair_id: null,
        created_by: actor.id,
        created_at: stamp,
        updated_at: stamp,
        deleted_at: null,
      };
      try {
        await downtimesRepo.insert(trx, row);
      } catch (error) {
        // Another start for this machine won the race (the one-ongoing unique index).
        if (isUniqueViolation(error)) throw ongoingExists();
        throw error;
      }
      await this.#audit.record(trx, ctx, {
        action: end === null ? "downtime.start" : "downtime.create",
        entity_type: "downtime",
        entity_id: row.id,
        changes: diff(null, publicDowntime(row)),
      });
      await this.#syncMachineStatus(trx, ctx, machine);
      return publicDowntime(row);
    });
  }

  /** Ends an ongoing downtime (now, or at the given time), optionally picking its reason. */
  async end(ctx: RequestContext, id: string, input: unknown): Promise<Downtime> {
    authorize(ctx, "downtimes:operate");
    const fields = parseInput(endSchema, input);
    const now = Date.now();
    return this.#change(ctx, id, "downtime.end", async (trx, before) => {
      if (before.end_datetime !== null) {
        throw conflict("The downtime has already ended", [
          { field: "end_datetime", message: "already ended", code: "already_ended" },
        ]);
      }
      const end = fields.end_datetime ?? new Date(Math.max(now, Date.parse(before.start_datetime))).toISOString();
      checkTimes(before.start_datetime, end, now);
      const patch: Partial<DowntimeRow> = {
        end_datetime: end,
        duration_minutes: minutesBetween(before.start_datetime, end),
      };
      if (fields.reason_id) patch.category = (await requireUsableReason(trx, fields.reason_id, undefined)).category;
      if (fields.reason_id !== undefined) patch.reason_id = fields.reason_id;
      if (fields.note !== undefined) patch.note = fields.note;
      return patch;
    });
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<Downtime> {
    // The least any change needs; each field's own permission is checked below.
    authorize(ctx, "downtimes:operate");
    const patch = parseInput(updateSchema, input);
    for (const field of Object.keys(patch) as (keyof typeof patch)[]) {
      const permission = FIELD_PERMISSION[field];
      if (!can(ctx.actor, permission)) {
        throw new AppError(403, "FORBIDDEN", `Your role (${ctx.actor?.role}) does not allow changing ${field}`, [
          { field, message: `requires ${permission}`, code: permission },
        ]);
      }
    }
    if (patch.end_datetime !== undefined && patch.duration_minutes !== undefined) {
      throw validationFailed([
        {
          field: "duration_minutes",
          message: "Give end_datetime or duration_minutes, not both",
          code: "conflicting_fields",
        },
      ]);
    }
    const now = Date.now();
    return this.#change(ctx, id, "downtime.update", async (trx, before) => {
      const start = patch.start_datetime ?? before.start_datetime;
      let end = patch.end_datetime !== undefined ? patch.end_datetime : before.end_datetime;
      if (patch.duration_minutes !== undefined) end = addMinutes(start, patch.duration_minutes);
      checkTimes(start, end, now);
      const changes: Partial<DowntimeRow> = {};
      if (start !== before.start_datetime || end !== before.end_datetime) {
        await requireNoOverlap(trx, before.machine_id, start, end, id);
        Object.assign(changes, {
          start_datetime: start,
          end_datetime: end,
          duration_minutes: end === null ? null : minutesBetween(start, end),
        });
      }
      // The reason decides the category. Naming both, they must agree; naming only a category,
      // the reason kept must belong to it.
      if (patch.category !== undefined) changes.category = patch.category;
      if (patch.reason_id) {
        changes.category = (await requireUsableReason(trx, patch.reason_id, patch.category)).category;
      } else if (patch.category !== undefined && patch.reason_id === undefined && before.reason_id) {
        const kept = await downtimeReasonsRepo.findById(trx, before.reason_id);
        if (kept && kept.category !== patch.category) {
          throw validationFailed([
            {
              field: "category",
              message: `The downtime's reason belongs to the ${kept.category} category; change the reason too`,
              code: "category_mismatch",
            },
          ]);
        }
      }
      if (patch.reason_id !== undefined) changes.reason_id = patch.reason_id;
      if (patch.note !== undefined) changes.note = patch.note;
      if (patch.repair_id !== undefined) await setRepairOfDowntime(trx, before, patch.repair_id);
      return changes;
    });
  }

  /** Soft delete: the record stays for the audit trail, but leaves lists and KPIs. */
  async delete(ctx: RequestContext, id: string): Promise<Downtime> {
    authorize(ctx, "downtimes:write");
    return this.#change(ctx, id, "downtime.delete", async (trx, before) => {
      if (before.repair_id) await setRepairOfDowntime(trx, before, null);
      return { deleted_at: new Date().toISOString(), repair_id: null };
    });
  }

  /**
   * One way for every change of an existing downtime: lock its machine, re-read the downtime,
   * apply the patch, audit, and bring the machine's status in line.
   */
  async #change(
    ctx: RequestContext,
    id: string,
    action: string,
    patchOf: (trx: Tx, before: DowntimeRow) => Promise<Partial<DowntimeRow>>,
  ): Promise<Downtime> {
    return transaction(this.#db, async (trx) => {
      const found = await downtimesRepo.findById(trx, id);
      if (!found) throw notFound("Downtime");
      const machine = (await machinesRepo.lockById(trx, found.machine_id))!;
      const before = (await downtimesRepo.findById(trx, id))!;
      const patch = await patchOf(trx, before);
      const stamp = new Date().toISOString();
      try {
        await downtimesRepo.update(trx, id, { ...patch, updated_at: stamp });
      } catch (error) {
        if (isUniqueViolation(error)) throw ongoingExists();
        throw error;
      }
      const after = action === "downtime.delete" ? { ...before, ...patch } : (await downtimesRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action,
        entity_type: "downtime",
        entity_id: id,
        changes: updateDiff(publicDowntime(before), publicDowntime(after)),
      });
      await this.#syncMachineStatus(trx, ctx, machine);
      return publicDowntime(after);
    });
  }

  /**
   * An ongoing unplanned downtime holds the machine `down`; when none is left, the status it
   * replaced comes back. A status someone set by hand meanwhile is left alone.
   */
  async #syncMachineStatus(trx: Tx, ctx: RequestContext, machine: MachineRow): Promise<void> {
    const current = (await machinesRepo.findById(trx, machine.id))!;
    const down = await downtimesRepo.hasOngoingUnplanned(trx, machine.id);
    let patch: Partial<MachineRow> | undefined;
    if (down && current.status !== "down" && current.status !== "retired") {
      patch = { status: "down", status_before_down: current.status };
    } else if (!down && current.status === "down" && current.status_before_down !== null) {
      patch = { status: current.status_before_down, status_before_down: null };
    }
    if (!patch) return;
    await machinesRepo.update(trx, machine.id, { ...patch, updated_at: new Date().toISOString() });
    await this.#audit.record(trx, ctx, {
      action: "machine.status",
      entity_type: "machine",
      entity_id: machine.id,
      changes: { status: [current.status, patch.status] },
    });
  }
}

async function requireNoOverlap(trx: Tx, machineId: string, start: string, end: string | null, exceptId?: string) {
  const clashes = await downtimesRepo.findOverlapping(trx, machineId, start, end, exceptId);
  if (clashes.length === 0) return;
  if (end === null && clashes.some((c) => c.end_datetime === null)) throw ongoingExists();
  throw conflict("The machine already has a downtime in this time", [
    ...clashes.map((c) => ({
      field: "start_datetime",
      message: `overlaps downtime ${c.id} (${c.start_datetime} – ${c.end_datetime ?? "ongoing"})`,
      code: "overlap",
    })),
  ]);
}

function ongoingExists() {
  return conflict("The machine already has an ongoing downtime; end it first", [
    { field: "machine_id", message: "ongoing downtime exists", code: "ongoing_exists" },
  ]);
}

function checkTimes(start: string, end: string | null, now: number): void {
  const details: ErrorDetail[] = [];
  if (isInFuture(start, now))
    details.push({ field: "start_datetime", message: "must not be in the future", code: "future" });
  if (end !== null) {
    if (end < start)
      details.push({ field: "end_datetime", message: "must not be before start_datetime", code: "end_before_start" });
    else if (isInFuture(end, now))
      details.push({ field: "end_datetime", message: "must not be in the future", code: "future" });
    else if (minutesBetween(start, end) > MAX_DURATION_MINUTES) {
      details.push({ field: "end_datetime", message: "a downtime may last at most a year", code: "too_long" });
    }
  }
  if (details.length > 0) throw validationFailed(details);
}

function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + Math.round(minutes * 60_000)).toISOString();
}

function minutesBetween(start: string, end: string): number {
  return (Date.parse(end) - Date.parse(start)) / 60_000;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
