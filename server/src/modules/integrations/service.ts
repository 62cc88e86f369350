import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { conflict, notFound, validationFailed, type ErrorDetail } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { integrationEventsRepo } from "../../integrations/events.ts";
import { OPCUA_KINDS, type OpcuaManager, type SourceConnection } from "../../integrations/opcua/manager.ts";
import { nodeIdProblem } from "../../integrations/opcua/node-id.ts";
import { booleanQuery, idInput, parseInput } from "../../validate.ts";
import { diff, updateDiff, type AuditService } from "../audit/service.ts";
import { machinesRepo } from "../plant/repo.ts";
import { toolsRepo } from "../tools/repo.ts";
import { opcuaSourcesRepo, type OpcuaSourceRow } from "./repo.ts";

export { OPCUA_KINDS };
export const INTEGRATION_CHANNELS = ["mqtt", "opcua"] as const;
export const INTEGRATION_EVENT_STATUSES = ["stored", "duplicate", "ignored", "rejected"] as const;

export interface OpcuaSource {
  id: string;
  endpoint_url: string;
  node_id: string;
  kind: string;
  machine_id: string | null;
  tool_id: string | null;
  active: boolean;
  created_at: string;
  updated_at: string;
  /** How this HOM process is doing with the source right now (not stored). */
  connection: SourceConnection;
}

export interface IntegrationEvent {
  id: string;
  channel: string;
  topic: string;
  payload: string;
  status: string;
  error: string | null;
  received_at: string;
}

/** `opc.tcp://host[:port][/path]`, kept in URL-normalised form so one server is one connection. */
const endpointUrlInput = z
  .string()
  .trim()
  .max(500, "must be at most 500 characters")
  .transform((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
    if (!url || url.protocol !== "opc.tcp:" || !url.hostname) {
      ctx.addIssue({ code: "custom", message: "must be an OPC UA address like opc.tcp://192.168.1.20:4840" });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must not hold a user name or password" });
    } else if (url.search || url.hash) {
      ctx.addIssue({ code: "custom", message: "must not have a query (?) or fragment (#)" });
    } else {
      return url.href;
    }
    return z.NEVER;
  });
const nodeIdInput = z
  .string()
  .trim()
  .max(1000, "must be at most 1000 characters")
  .superRefine((value, ctx) => {
    const problem = nodeIdProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const createOpcuaSourceSchema = z.strictObject({
  endpoint_url: endpointUrlInput,
  node_id: nodeIdInput,
  kind: z.enum(OPCUA_KINDS),
  machine_id: idInput.nullish(),
  tool_id: idInput.nullish(),
  active: z.boolean().default(true),
});
export const updateOpcuaSourceSchema = z.strictObject({
  endpoint_url: endpointUrlInput.optional(),
  node_id: nodeIdInput.optional(),
  kind: z.enum(OPCUA_KINDS).optional(),
  machine_id: idInput.nullish(),
  tool_id: idInput.nullish(),
  active: z.boolean().optional(),
});
export const listOpcuaSourcesSchema = z.strictObject({ ...pageQuery, active: booleanQuery.optional() });
export const listEventsSchema = z.strictObject({
  ...pageQuery,
  channel: z.enum(INTEGRATION_CHANNELS).optional(),
  status: z.enum(INTEGRATION_EVENT_STATUSES).optional(),
});

/**
 * Machine feed configuration (SPEC §7): OPC UA counter sources, and the inbound messages of
 * every feed (`integration_events`). Admins only (`settings:write`). Every change to a source
 * is audited and reconfigures the running OPC UA client once committed.
 */
export class IntegrationService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #opcua: OpcuaManager;

  constructor(db: Db, audit: AuditService, opcua: OpcuaManager) {
    this.#db = db;
    this.#audit = audit;
    this.#opcua = opcua;
  }

  async listOpcuaSources(ctx: RequestContext, query: unknown): Promise<Page<OpcuaSource>> {
    authorize(ctx, "settings:write");
    const q = parseInput(listOpcuaSourcesSchema, query);
    const after = q.cursor ? String(decodeCursor(q.cursor, 1)[0]) : undefined;
    const rows = await opcuaSourcesRepo.list(this.#db.kysely, { active: q.active, after }, q.limit + 1);
    return toPage(
      rows,
      q.limit,
      (r) => [r.id],
      (r) => this.#public(r),
    );
  }

  async getOpcuaSource(ctx: RequestContext, id: string): Promise<OpcuaSource> {
    authorize(ctx, "settings:write");
    const row = await opcuaSourcesRepo.findById(this.#db.kysely, id);
    if (!row) throw notFound("OPC UA source");
    return this.#public(row);
  }

  async createOpcuaSource(ctx: RequestContext, input: unknown): Promise<OpcuaSource> {
    authorize(ctx, "settings:write");
    const fields = parseInput(createOpcuaSourceSchema, input);
    const now = new Date().toISOString();
    const row = {
      id: newId(),
      endpoint_url: fields.endpoint_url,
      node_id: fields.node_id,
      kind: fields.kind,
      machine_id: fields.machine_id ?? null,
      tool_id: fields.tool_id ?? null,
      active: fields.active,
      created_at: now,
      updated_at: now,
    };
    await transaction(this.#db, async (trx) => {
      await checkSource(trx, row);
      await opcuaSourcesRepo.insert(trx, row);
      await this.#audit.record(trx, ctx, {
        action: "opcua_source.create",
        entity_type: "opcua_source",
        entity_id: row.id,
        changes: diff(null, row),
      });
    });
    await this.#opcua.reload();
    return this.#public(row);
  }

  /** A partial change; the result must still be a whole source (kind and owner agree). */
  async updateOpcuaSource(ctx: RequestContext, id: string, input: unknown): Promise<OpcuaSource> {
    authorize(ctx, "settings:write");
    const patch = parseInput(updateOpcuaSourceSchema, input);
    const after = await transaction(this.#db, async (trx) => {
      const before = await opcuaSourcesRepo.lockById(trx, id);
      if (!before) throw notFound("OPC UA source");
      const next = {
        endpoint_url: patch.endpoint_url ?? before.endpoint_url,
        node_id: patch.node_id ?? before.node_id,
        kind: patch.kind ?? before.kind,
        machine_id: patch.machine_id !== undefined ? patch.machine_id : before.machine_id,
        tool_id: patch.tool_id !== undefined ? patch.tool_id : before.tool_id,
        active: patch.active ?? toBool(before.active),
      };
      await checkSource(trx, { id, ...next });
      await opcuaSourcesRepo.update(trx, id, { ...next, updated_at: new Date().toISOString() });
      const updated = (await opcuaSourcesRepo.findById(trx, id))!;
      await this.#audit.record(trx, ctx, {
        action: "opcua_source.update",
        entity_type: "opcua_source",
        entity_id: id,
        changes: updateDiff(plain(before), plain(updated)),
      });
      return updated;
    });
    await this.#opcua.reload();
    return this.#public(after);
  }

  /**
   * Removes a source: configuration, not history. Its shot entries and events stay (the
   * events name it by id); the audit entry keeps what it was.
   */
  async deleteOpcuaSource(ctx: RequestContext, id: string): Promise<OpcuaSource> {
    authorize(ctx, "settings:write");
    const before = await transaction(this.#db, async (trx) => {
      const row = await opcuaSourcesRepo.lockById(trx, id);
      if (!row) throw notFound("OPC UA source");
      await opcuaSourcesRepo.delete(trx, id);
      await this.#audit.record(trx, ctx, {
        action: "opcua_source.delete",
        entity_type: "opcua_source",
        entity_id: id,
        changes: diff(plain(row), null),
      });
      return row;
    });
    await this.#opcua.reload();
    return { ...plain(before), connection: this.#opcua.connectionOf({ id, active: false }) };
  }

  /** Inbound machine messages (MQTT and OPC UA), newest first, with their outcome. */
  async listEvents(ctx: RequestContext, query: unknown): Promise<Page<IntegrationEvent>> {
    authorize(ctx, "settings:write");
    const q = parseInput(listEventsSchema, query);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await integrationEventsRepo.list(
      this.#db.kysely,
      { channel: q.channel, status: q.status, before },
      q.limit + 1,
    );
    return toPage(
      rows,
      q.limit,
      (r) => [r.received_at, r.id],
      (r) => r,
    );
  }

  #public(row: OpcuaSourceRow): OpcuaSource {
    const source = plain(row);
    return { ...source, connection: this.#opcua.connectionOf(source) };
  }
}

function plain(row: OpcuaSourceRow): Omit<OpcuaSource, "connection"> {
  return { ...row, active: toBool(row.active) };
}

/**
 * A machine's cycle counter belongs to a machine, a mould's lifetime counter to a tool:
 * exactly the one the kind asks for, and it must exist and be in service. One node of one
 * server feeds one source.
 */
async function checkSource(
  trx: Tx,
  source: {
    id: string;
    endpoint_url: string;
    node_id: string;
    kind: string;
    machine_id: string | null;
    tool_id: string | null;
  },
): Promise<void> {
  const problems: ErrorDetail[] = [];
  const [wanted, unwanted] =
    source.kind === "machine_cycle_counter" ? ["machine_id", "tool_id"] : ["tool_id", "machine_id"];
  const kindName = source.kind.replaceAll("_", " ");
  if (!source[wanted as "machine_id"]) {
    problems.push({ field: wanted, message: `is required for a ${kindName}`, code: "required" });
  }
  if (source[unwanted as "machine_id"]) {
    problems.push({ field: unwanted, message: `must be empty for a ${kindName}`, code: "not_allowed" });
  }
  if (problems.length === 0 && source.machine_id) {
    const machine = await machinesRepo.findById(trx, source.machine_id);
    if (!machine) problems.push({ field: "machine_id", message: "No machine with this id", code: "not_found" });
    else if (machine.status === "retired") {
      problems.push({ field: "machine_id", message: "The machine is retired", code: "retired" });
    }
  }
  if (problems.length === 0 && source.tool_id) {
    const tool = await toolsRepo.findById(trx, source.tool_id);
    if (!tool) problems.push({ field: "tool_id", message: "No tool with this id", code: "not_found" });
    else if (tool.status === "retired")
      problems.push({ field: "tool_id", message: "The tool is retired", code: "retired" });
  }
  if (problems.length > 0) throw validationFailed(problems);
  if (await opcuaSourcesRepo.findByNode(trx, source.endpoint_url, source.node_id, source.id)) {
    throw conflict("This node of this server is already a source", [
      { field: "node_id", message: "already configured for this endpoint", code: "duplicate" },
    ]);
  }
}
