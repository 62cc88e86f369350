import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { VersionedCache } from "../../db/read-cache.ts";
import { AppError, conflict, notFound, validationFailed, type ErrorDetail } from "../../errors.ts";
import { csvLine } from "../../http/csv.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, idInput, nameInput, optionalText, parseInput, partialFields } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { machinesRepo } from "../plant/repo.ts";
import { requireMachineInService } from "../plant/service.ts";
import { shotsRepo } from "../shots/repo.ts";
import { changedFields, parseToolCsv, TOOL_CSV_COLUMNS, toolToCsv, type ImportReport } from "./csv.ts";
import { toolMountsRepo, toolsRepo, type ToolMountRow, type ToolRow } from "./repo.ts";

export const TOOL_STATUSES = ["active", "in_maintenance", "stored", "retired"] as const;
/** Statuses set by editing; `retired` only through retiring. */
const EDITABLE_STATUSES = ["active", "in_maintenance", "stored"] as const;
const MAX_SHOTS = 1_000_000_000_000; // a trillion: beyond any mould's life, within exact doubles

export type Tool = ToolRow;
export type ToolMount = ToolMountRow;

export const assetNumberInput = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "may contain letters, digits and . _ / - only");
const shots = z.number().int("must be a whole number").min(0, "must not be negative").max(MAX_SHOTS);

const toolFields = {
  name: nameInput,
  part_number: optionalText(100),
  description: optionalText(4000),
  manufacturer: optionalText(200),
  cavity_count: z.number().int().min(1, "must be at least 1").max(1024),
  active_cavities: z.number().int().min(1, "must be at least 1").max(1024).nullish(),
  location: optionalText(200),
  rated_life_shots: shots.min(1, "must be at least 1").nullish(),
};
export const createToolSchema = z.strictObject({
  asset_number: assetNumberInput,
  ...toolFields,
  status: z.enum(EDITABLE_STATUSES).default("active"),
  // A mould that arrives with a history: its counter so far, stored as the opening shot entry.
  lifetime_shots: shots.default(0),
});
export const updateToolSchema = z.strictObject({
  asset_number: assetNumberInput.optional(),
  ...partialFields(toolFields),
  status: z.enum(EDITABLE_STATUSES).optional(),
});
export const listToolsSchema = z.strictObject({
  ...pageQuery,
  q: z.string().max(100).optional(),
  location: z.string().max(200).optional(),
  status: z.enum(TOOL_STATUSES).optional(),
  machine_id: idInput.optional(),
  mounted: booleanQuery.optional(),
  include_retired: booleanQuery.default(false),
});
export const mountSchema = z.strictObject({ machine_id: idInput });
export const importQuerySchema = z.strictObject({ dry_run: booleanQuery.default(false) });
export const unmountSchema = z.strictObject({ location: optionalText(200) });

/** Mould tools (SPEC §7): the registry, mounting on machines, retirement. Shots: modules/shots. */
export class ToolService {
  readonly #db: Db;
  readonly #audit: AuditService;

  readonly #pages: VersionedCache<Page<Tool>>;

  constructor(db: Db, audit: AuditService) {
    this.#db = db;
    this.#audit = audit;
    this.#pages = new VersionedCache(db.dataVersion);
  }

  async get(ctx: RequestContext, id: string): Promise<Tool> {
    authorize(ctx, "plant:read");
    const row = await toolsRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("Tool");
    return row;
  }

  async byIds(ctx: RequestContext, ids: readonly string[]): Promise<Tool[]> {
    authorize(ctx, "plant:read");
    return toolsRepo.findByIds(this.#db.kysely, ids);
  }

  /** The tool mounted on each of these machines. */
  async mountedOn(ctx: RequestContext, machineIds: readonly string[]): Promise<Tool[]> {
    authorize(ctx, "plant:read");
    return toolsRepo.findMountedOn(this.#db.kysely, machineIds);
  }

  /**
   * A page of the registry. Pages are kept while the data stays the same (SQLite): the list is
   * read far more often (tablets, dashboards) than the registry changes.
   */
  async list(ctx: RequestContext, query: unknown): Promise<Page<Tool>> {
    authorize(ctx, "plant:read");
    const q = parseInput(listToolsSchema, query);
    return this.#pages.get(JSON.stringify(q), () => this.#readPage(q));
  }

  async #readPage(q: z.output<typeof listToolsSchema>): Promise<Page<Tool>> {
    const after = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await toolsRepo.list(
      this.#db.kysely,
      {
        q: q.q,
        location: q.location,
        status: q.status,
        machineId: q.machine_id,
        mounted: q.mounted,
        includeRetired: q.include_retired,
        after,
      },
      q.limit + 1,
    );
    return toPage(
      rows,
      q.limit,
      (r) => [r.asset_number, r.id],
      (r) => r,
    );
  }

  async mounts(
    ctx: RequestContext,
    filter: { toolId?: string; machineId?: string },
    limit = 100,
  ): Promise<ToolMount[]> {
    authorize(ctx, "plant:read");
    return toolMountsRepo.list(this.#db.kysely, filter, limit);
  }

  async create(ctx: RequestContext, input: unknown): Promise<Tool> {
    const actor = authorize(ctx, "tools:write");
    const fields = parseInput(createToolSchema, input);
    return transaction(this.#db, (trx) => this.#insert(trx, ctx, actor.id, fields));
  }

  async #insert(
    trx: Tx,
    ctx: RequestContext,
    actorId: string,
    fields: z.output<typeof createToolSchema>,
  ): Promise<Tool> {
    checkCavities(fields.cavity_count, fields.active_cavities ?? null);
    const now = new Date().toISOString();
    const row = {
      id: newId(),
      asset_number: fields.asset_number,
      name: fields.name,
      part_number: fields.part_number ?? null,
      description: fields.description ?? null,
      manufacturer: fields.manufacturer ?? null,
      cavity_count: fields.cavity_count,
      active_cavities: fields.active_cavities ?? null,
      status: fields.status,
      location: fields.location ?? null,
      machine_id: null,
      rated_life_shots: fields.rated_life_shots ?? null,
      lifetime_shots: fields.lifetime_shots,
      retired_at: null,
      created_at: now,
      updated_at: now,
    };
    await uniqueAssetNumber(() => toolsRepo.insert(trx, row));
    if (row.lifetime_shots > 0) {
      await shotsRepo.insertEntries(trx, [
        {
          id: newId(),
          tool_id: row.id,
          machine_id: null,
          delta: row.lifetime_shots,
          total: null,
          counter_reset: false,
          source: "manual",
          recorded_at: now,
          external_id: null,
          created_by: actorId,
          request_id: ctx.requestId,
          created_at: now,
        },
      ]);
    }
    await this.#audit.record(trx, ctx, {
      action: "tool.create",
      entity_type: "tool",
      entity_id: row.id,
      changes: diff(null, row),
    });
    return row;
  }

  async update(ctx: RequestContext, id: string, input: unknown): Promise<Tool> {
    authorize(ctx, "tools:write");
    const patch = parseInput(updateToolSchema, input);
    return this.#change(ctx, id, "tool.update", async (_trx, before) => checkUpdate(before, patch));
  }

  async retire(ctx: RequestContext, id: string): Promise<Tool> {
    authorize(ctx, "records:retire");
    return this.#change(ctx, id, "tool.retire", async (_trx, before) => {
      if (before.status === "retired") {
        throw conflict("The tool is already retired", [{ field: "status", message: "retired", code: "retired" }]);
      }
      if (before.machine_id) {
        throw conflict("Unmount the tool before retiring it", [
          { field: "machine_id", message: "tool is mounted", code: "mounted" },
        ]);
      }
      return { status: "retired", retired_at: new Date().toISOString() };
    });
  }

  /** Puts the tool into a press: one tool per machine, one machine per tool. */
  async mount(ctx: RequestContext, id: string, input: unknown): Promise<Tool> {
    const actor = authorize(ctx, "tools:mount");
    const { machine_id } = parseInput(mountSchema, input);
    return this.#change(ctx, id, "tool.mount", async (trx, before) => {
      if (before.machine_id) {
        throw conflict("The tool is already mounted; unmount it first", [
          { field: "machine_id", message: "tool is mounted", code: "mounted" },
        ]);
      }
      if (before.status === "retired" || before.status === "in_maintenance") {
        throw conflict(`A tool that is ${before.status.replace("_", " ")} cannot be mounted`, [
          { field: "status", message: before.status, code: before.status },
        ]);
      }
      await requireMachineInService(trx, machine_id);
      const [occupant] = await toolsRepo.findMountedOn(trx, [machine_id]);
      if (occupant) throw machineOccupied(occupant.asset_number);
      const now = new Date().toISOString();
      await toolMountsRepo.insert(trx, {
        id: newId(),
        tool_id: id,
        machine_id,
        mounted_at: now,
        unmounted_at: null,
        mounted_by: actor.id,
        unmounted_by: null,
      });
      return { machine_id, status: "active" };
    });
  }

  async unmount(ctx: RequestContext, id: string, input: unknown): Promise<Tool> {
    const actor = authorize(ctx, "tools:mount");
    const { location } = parseInput(unmountSchema, input);
    return this.#change(ctx, id, "tool.unmount", async (trx, before) => {
      if (!before.machine_id) {
        throw conflict("The tool is not mounted", [
          { field: "machine_id", message: "not mounted", code: "not_mounted" },
        ]);
      }
      await toolMountsRepo.closeOpen(trx, id, new Date().toISOString(), actor.id);
      return { machine_id: null, ...(location !== undefined ? { location } : {}) };
    });
  }

  async #change(
    ctx: RequestContext,
    id: string,
    action: string,
    patchOf: (trx: Tx, before: ToolRow) => Promise<Partial<ToolRow>>,
  ): Promise<Tool> {
    return transaction(this.#db, (trx) => this.#changeIn(trx, ctx, id, action, patchOf));
  }

  async #changeIn(
    trx: Tx,
    ctx: RequestContext,
    id: string,
    action: string,
    patchOf: (trx: Tx, before: ToolRow) => Promise<Partial<ToolRow>>,
  ): Promise<Tool> {
    const before = await toolsRepo.lockById(trx, id);
    if (!before) throw notFound("Tool");
    const patch = await patchOf(trx, before);
    try {
      await uniqueAssetNumber(() => toolsRepo.update(trx, id, { ...patch, updated_at: new Date().toISOString() }));
    } catch (error) {
      // Two tools mounted on one machine at the same instant: the unique key lets one win.
      if (isUniqueViolation(error)) throw machineOccupied("another tool");
      throw error;
    }
    const after = (await toolsRepo.findById(trx, id))!;
    const changes = updateDiff(before, after);
    delete changes.lifetime_shots; // moves with every shot; shot entries are its record
    await this.#audit.record(trx, ctx, { action, entity_type: "tool", entity_id: id, changes });
    return after;
  }

  /** The registry as CSV, with the list's filters, streamed page by page. */
  async *exportCsv(ctx: RequestContext, query: unknown): AsyncGenerator<string> {
    authorize(ctx, "exports:read");
    const filter = parseInput(listToolsSchema.omit({ limit: true, cursor: true }), query);
    yield csvLine(TOOL_CSV_COLUMNS);
    let cursor: string | undefined;
    const machineCodes = new Map<string, string>();
    do {
      const page = await this.list(ctx, { ...filter, limit: 500, cursor });
      const unknown = [
        ...new Set(page.items.flatMap((t) => (t.machine_id && !machineCodes.has(t.machine_id) ? [t.machine_id] : []))),
      ];
      for (const m of unknown.length ? await machinesRepo.findByIds(this.#db.kysely, unknown) : [])
        machineCodes.set(m.id, m.code);
      yield page.items.map((tool) => csvLine(toolToCsv(tool, machineCodes))).join("");
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /**
   * Creates and updates tools from CSV, matched by asset number. All rows are checked first;
   * one bad row refuses the whole file (422 with the row numbers), so an import never stops
   * half-way. `dry_run=true` reports what would happen without storing anything.
   */
  async importCsv(ctx: RequestContext, body: unknown, query: unknown): Promise<ImportReport> {
    const actor = authorize(ctx, "tools:write");
    const { dry_run } = parseInput(importQuerySchema, query);
    const rows = parseToolCsv(body);
    const report: ImportReport = { dry_run, created: 0, updated: 0, unchanged: 0, rows: [] };
    const applied = await transaction(this.#db, async (trx) => {
      const problems: ErrorDetail[] = [];
      for (const row of rows) {
        try {
          const existing = await toolsRepo.findByAssetNumber(trx, row.asset_number);
          if (!existing) {
            const fields = parseInput(createToolSchema, row.values);
            if (!dry_run) await this.#insert(trx, ctx, actor.id, fields);
            report.created++;
            report.rows.push({ row: row.line, asset_number: row.asset_number, outcome: "created" });
            continue;
          }
          const { lifetime_shots, asset_number: _same, ...rest } = row.values;
          if (lifetime_shots !== undefined && lifetime_shots !== Number(existing.lifetime_shots)) {
            throw validationFailed([
              {
                field: "lifetime_shots",
                message: "is counted from shot entries; record shots instead",
                code: "read_only",
              },
            ]);
          }
          const patch = parseInput(updateToolSchema, changedFields(existing, rest));
          if (Object.keys(patch).length === 0) {
            report.unchanged++;
            report.rows.push({ row: row.line, asset_number: row.asset_number, outcome: "unchanged" });
            continue;
          }
          checkUpdate(existing, patch);
          if (!dry_run) await this.#changeIn(trx, ctx, existing.id, "tool.update", async () => patch);
          report.updated++;
          report.rows.push({ row: row.line, asset_number: row.asset_number, outcome: "updated" });
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          const details = error.details.length ? error.details : [{ field: "(row)", message: error.message }];
          problems.push(...details.map((d) => ({ ...d, field: `row ${row.line}.${d.field}` })));
        }
      }
      if (problems.length > 0)
        throw validationFailed(problems.slice(0, 200), "The file has errors; nothing was imported");
      return report;
    });
    return applied;
  }
}

function checkUpdate(before: ToolRow, patch: z.output<typeof updateToolSchema>): Partial<ToolRow> {
  if (before.status === "retired") {
    throw conflict("The tool is retired", [{ field: "status", message: "retired", code: "retired" }]);
  }
  checkCavities(
    patch.cavity_count ?? before.cavity_count,
    patch.active_cavities !== undefined ? patch.active_cavities : before.active_cavities,
  );
  if (patch.status && patch.status !== "active" && before.machine_id) {
    throw conflict("Unmount the tool before changing its status to " + patch.status, [
      { field: "status", message: "tool is mounted", code: "mounted" },
    ]);
  }
  return patch;
}

function checkCavities(cavityCount: number, active: number | null): void {
  if (active !== null && active > cavityCount) {
    throw validationFailed([{ field: "active_cavities", message: "must not exceed cavity_count", code: "too_big" }]);
  }
}

function machineOccupied(assetNumber: string) {
  return conflict(`The machine already holds ${assetNumber}; unmount it first`, [
    { field: "machine_id", message: "machine has a tool mounted", code: "machine_occupied" },
  ]);
}

/** Writes that may clash on the asset number: a 409 on that field. Other unique keys pass through. */
async function uniqueAssetNumber(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (isUniqueViolation(error) && /asset_number/i.test(String((error as Error).message))) {
      throw conflict("Asset number is already in use", [
        { field: "asset_number", message: "already in use", code: "duplicate" },
      ]);
    }
    throw error;
  }
}
