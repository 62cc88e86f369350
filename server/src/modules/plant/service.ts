import { z } from "zod";
import { authorize, missingPermission, requireActor, type RequestContext } from "../../access/context.ts";
import { can } from "../../access/permissions.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { conflict, notFound, validationFailed } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import {
  booleanQuery,
  codeInput,
  idInput,
  nameInput,
  optionalText,
  parseInput,
  partialFields,
} from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { downtimesRepo } from "../downtimes/repo.ts";
import { linesRepo, machinesRepo, type LineRow, type MachineRow } from "./repo.ts";

export const LINE_STATUSES = ["running", "maintenance", "stopped"] as const;
export const MACHINE_STATUSES = ["operational", "down", "maintenance", "retired"] as const;

export interface Line {
  id: string;
  code: string;
  name: string;
  description: string | null;
  status: string;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface Machine {
  id: string;
  line_id: string;
  code: string;
  name: string;
  asset_number: string | null;
  manufacturer: string | null;
  model: string | null;
  serial_number: string | null;
  type: string | null;
  status: string;
  notes: string | null;
  retired_at: string | null;
  created_at: string;
  updated_at: string;
}

export function publicLine(row: LineRow): Line {
  return { ...row, active: toBool(row.active) };
}

export function publicMachine(row: MachineRow): Machine {
  const { status_before_down: _internal, ...machine } = row;
  return machine;
}

const lineFields = {
  name: nameInput,
  description: optionalText(2000),
  status: z.enum(LINE_STATUSES),
  active: z.boolean(),
};
export const createLineSchema = z.strictObject({
  code: codeInput,
  ...lineFields,
  status: lineFields.status.default("running"),
  active: lineFields.active.default(true),
});
export const updateLineSchema = z.strictObject({ code: codeInput.optional(), ...partialFields(lineFields) });

const machineFields = {
  line_id: idInput,
  name: nameInput,
  asset_number: optionalText(64),
  manufacturer: optionalText(200),
  model: optionalText(200),
  serial_number: optionalText(200),
  type: optionalText(100),
  notes: optionalText(4000),
};
export const createMachineSchema = z.strictObject({
  code: codeInput,
  ...machineFields,
  // A new machine cannot start retired; `down` is set by downtimes or by hand later.
  status: z.enum(["operational", "maintenance"]).default("operational"),
});
export const updateMachineSchema = z.strictObject({
  code: codeInput.optional(),
  ...partialFields(machineFields),
  status: z.enum(MACHINE_STATUSES).optional(),
});

export const listLinesSchema = z.strictObject({
  ...pageQuery,
  status: z.enum(LINE_STATUSES).optional(),
  q: z.string().max(100).optional(),
  include_retired: booleanQuery.default(false),
});
export const listMachinesSchema = z.strictObject({
  ...pageQuery,
  line_id: idInput.optional(),
  status: z.enum(MACHINE_STATUSES).optional(),
  q: z.string().max(100).optional(),
  include_retired: booleanQuery.default(false),
});

/** Lines and machines (SPEC §3). Retiring is soft: lines become inactive, machines `retired`. */
export class PlantService {
  readonly #db: Db;
  readonly #audit: AuditService;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
  }

  async getLine(ctx: RequestContext, id: string): Promise<Line> {
    authorize(ctx, "plant:read");
    const row = await linesRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Line");
    return publicLine(row);
  }

  /** Lines by id for GraphQL's batched loading; the caller has been authorized. */
  async linesByIds(ctx: RequestContext, ids: readonly string[]): Promise<Line[]> {
    authorize(ctx, "plant:read");
    return (await linesRepo.findByIds(this.#db.kysely, ids)).map(publicLine);
  }

  async listLines(ctx: RequestContext, query: unknown): Promise<Page<Line>> {
    authorize(ctx, "plant:read");
    const { limit, cursor, include_retired, ...filter } = parseInput(listLinesSchema, query);
    const after = cursor ? (decodeCursor(cursor, 2) as [string, string]) : undefined;
    const rows = await linesRepo.list(
      this.#db.kysely,
      { ...filter, includeRetired: include_retired, after },
      limit + 1,
    );
    return toPage(rows, limit, (r) => [r.code, r.id], publicLine);
  }

  async createLine(ctx: RequestContext, input: unknown): Promise<Line> {
    authorize(ctx, "plant:write");
    const fields = parseInput(createLineSchema, input);
    const now = new Date().toISOString();
    const row = { id: newId(), ...fields, description: fields.description ?? null, created_at: now, updated_at: now };
    await transaction(this.#db, async (trx) => {
      await insertUnique(() => linesRepo.insert(trx, row), "Line");
      await this.#audit.record(trx, ctx, {
        action: "line.create",
        entity_type: "line",
        entity_id: row.id,
        changes: diff(null, publicLine(row)),
      });
    });
    return publicLine(row);
  }

  async updateLine(ctx: RequestContext, id: string, input: unknown): Promise<Line> {
    authorize(ctx, "plant:write");
    const patch = parseInput(updateLineSchema, input);
    return transaction(this.#db, async (trx) => {
      const before = await linesRepo.findById(trx, id);
      if (!before) throw notFound("Line");
      if (patch.active !== undefined && patch.active !== toBool(before.active)) {
        requireRetirePermission(ctx);
        const machines = await machinesRepo.countActiveOnLine(trx, id);
        if (!patch.active && machines > 0) {
          throw conflict(`The line still has ${machines} machine(s) in service; move or retire them first`, [
            { field: "active", message: "line has machines in service", code: "has_machines" },
          ]);
        }
      }
      await insertUnique(() => linesRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() }), "Line");
      const after = (await linesRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: patch.active === false && toBool(before.active) ? "line.retire" : "line.update",
        entity_type: "line",
        entity_id: id,
        changes: updateDiff(publicLine(before), publicLine(after)),
      });
      return publicLine(after);
    });
  }

  async getMachine(ctx: RequestContext, id: string): Promise<Machine> {
    authorize(ctx, "plant:read");
    const row = await machinesRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Machine");
    return publicMachine(row);
  }

  async machinesByIds(ctx: RequestContext, ids: readonly string[]): Promise<Machine[]> {
    authorize(ctx, "plant:read");
    return (await machinesRepo.findByIds(this.#db.kysely, ids)).map(publicMachine);
  }

  async listMachines(ctx: RequestContext, query: unknown): Promise<Page<Machine>> {
    authorize(ctx, "plant:read");
    const { limit, cursor, include_retired, line_id, ...filter } = parseInput(listMachinesSchema, query);
    const after = cursor ? (decodeCursor(cursor, 2) as [string, string]) : undefined;
    const rows = await machinesRepo.list(
      this.#db.kysely,
      { ...filter, lineIds: line_id ? [line_id] : undefined, includeRetired: include_retired, after },
      limit + 1,
    );
    return toPage(rows, limit, (r) => [r.code, r.id], publicMachine);
  }

  async createMachine(ctx: RequestContext, input: unknown): Promise<Machine> {
    authorize(ctx, "plant:write");
    const fields = parseInput(createMachineSchema, input);
    const now = new Date().toISOString();
    const row: MachineRow = {
      id: newId(),
      line_id: fields.line_id,
      code: fields.code,
      name: fields.name,
      asset_number: fields.asset_number ?? null,
      manufacturer: fields.manufacturer ?? null,
      model: fields.model ?? null,
      serial_number: fields.serial_number ?? null,
      type: fields.type ?? null,
      status: fields.status,
      status_before_down: null,
      retired_at: null,
      notes: fields.notes ?? null,
      created_at: now,
      updated_at: now,
    };
    await transaction(this.#db, async (trx) => {
      await requireActiveLine(trx, fields.line_id);
      await insertUnique(() => machinesRepo.insert(trx, row), "Machine");
      await this.#audit.record(trx, ctx, {
        action: "machine.create",
        entity_type: "machine",
        entity_id: row.id,
        changes: diff(null, publicMachine(row)),
      });
    });
    return publicMachine(row);
  }

  async updateMachine(ctx: RequestContext, id: string, input: unknown): Promise<Machine> {
    authorize(ctx, "plant:write");
    const patch = parseInput(updateMachineSchema, input);
    return transaction(this.#db, async (trx) => {
      const before = await machinesRepo.lockById(trx, id);
      if (!before) throw notFound("Machine");
      const now = new Date().toISOString();
      const changes: Partial<MachineRow> = { ...patch, updated_at: now };
      if (patch.line_id !== undefined && patch.line_id !== before.line_id) await requireActiveLine(trx, patch.line_id);
      if (patch.status !== undefined && patch.status !== before.status) {
        const retiring = patch.status === "retired";
        if (retiring || before.status === "retired") requireRetirePermission(ctx);
        if (retiring && (await downtimesRepo.findOngoing(trx, [id])).length > 0) {
          throw conflict("The machine has an ongoing downtime; end it before retiring the machine", [
            { field: "status", message: "ongoing downtime", code: "ongoing_downtime" },
          ]);
        }
        changes.retired_at = retiring ? now : null;
        // A status set by hand wins over the one an ongoing downtime would restore.
        changes.status_before_down = null;
      }
      await insertUnique(() => machinesRepo.update(trx, id, changes), "Machine");
      const after = (await machinesRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: patch.status === "retired" && before.status !== "retired" ? "machine.retire" : "machine.update",
        entity_type: "machine",
        entity_id: id,
        changes: updateDiff(publicMachine(before), publicMachine(after)),
      });
      return publicMachine(after);
    });
  }
}

/** A machine for a record that is being written about it: it must exist and not be retired (422 otherwise). */
export async function requireMachineInService(trx: Tx, machineId: string, field = "machine_id"): Promise<MachineRow> {
  const machine = await machinesRepo.lockById(trx, machineId);
  if (!machine) throw validationFailed([{ field, message: "No machine with this id", code: "not_found" }]);
  if (machine.status === "retired") {
    throw validationFailed([{ field, message: "The machine is retired", code: "retired" }]);
  }
  return machine;
}

/** When the caller names the line too, it must be the machine's line (SPEC §4: another line is a 422). */
export function requireSameLine(machine: MachineRow, lineId: string | undefined): void {
  if (lineId !== undefined && lineId !== machine.line_id) {
    throw validationFailed([
      { field: "line_id", message: "The machine belongs to another line", code: "line_mismatch" },
    ]);
  }
}

async function requireActiveLine(trx: Tx, lineId: string): Promise<void> {
  const line = await linesRepo.findById(trx, lineId);
  if (!line) throw validationFailed([{ field: "line_id", message: "No line with this id", code: "not_found" }]);
  if (!toBool(line.active)) {
    throw validationFailed([{ field: "line_id", message: "The line is retired", code: "retired" }]);
  }
}

function requireRetirePermission(ctx: RequestContext): void {
  const actor = requireActor(ctx);
  if (!can(actor, "records:retire")) throw missingPermission(actor, "records:retire");
}

/** Runs a write whose only unique key besides the id is `code`: a clash is a 409 on that field. */
export async function insertUnique<T>(write: () => Promise<T>, what: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(`${what} code is already in use`, [
        { field: "code", message: "already in use", code: "duplicate" },
      ]);
    }
    throw error;
  }
}
