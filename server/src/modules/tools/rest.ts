import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { jsonOnce } from "../../http/json-once.ts";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { batchSchema, listShotsSchema, MAX_BATCH, recordShotsSchema } from "../shots/service.ts";
import {
  createToolSchema,
  importQuerySchema,
  listToolsSchema,
  mountSchema,
  unmountSchema,
  updateToolSchema,
} from "./service.ts";

/** A full batch (MAX_BATCH entries) of up to ≈ 500 bytes each. */
const BATCH_BODY_LIMIT = MAX_BATCH * 512;

export function registerToolRoutes(app: FastifyInstance, { tools, shots }: Services): void {
  app.get(
    "/api/v1/tools",
    describe("tools", "The tool registry; filters q, location, status, machine_id, mounted, include_retired", {
      query: listToolsSchema,
    }),
    // A cached page is the same object each time: its JSON is made once.
    async (request, reply) =>
      reply.type("application/json; charset=utf-8").send(jsonOnce(await tools.list(request.ctx, request.query))),
  );
  app.post(
    "/api/v1/tools",
    describe("tools", "Register a tool (engineer); lifetime_shots is its counter so far", { body: createToolSchema }),
    async (request, reply) => reply.code(201).send(await tools.create(request.ctx, request.body)),
  );
  app.get(
    "/api/v1/tools/export.csv",
    describe("tools", "The registry as CSV (manager), with the list's filters", { query: listToolsSchema }),
    async (request, reply) => {
      const lines = tools.exportCsv(request.ctx, request.query);
      // The first line is read before the headers go out, so a refused export is a clean error.
      const first = await lines.next();
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="tools.csv"')
        .send(
          Readable.from(
            (async function* () {
              if (!first.done) yield first.value;
              yield* lines;
            })(),
          ),
        );
    },
  );
  app.post(
    "/api/v1/tools/import",
    {
      ...describe("tools", "Create and update tools from CSV (text/csv; engineer); all rows or none; ?dry_run=true", {
        query: importQuerySchema,
      }),
      config: { acceptsCsv: true },
    },
    async (request) => tools.importCsv(request.ctx, request.body, request.query),
  );
  app.get<IdParams>("/api/v1/tools/:id", describe("tools", "One tool", { id: true }), async (request) =>
    tools.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/tools/:id",
    describe("tools", "Change a tool (engineer); lifetime_shots is read-only", { id: true, body: updateToolSchema }),
    async (request) => tools.update(request.ctx, request.params.id, request.body),
  );
  app.post<IdParams>(
    "/api/v1/tools/:id/retire",
    describe("tools", "Retire a tool (manager); it must be unmounted", { id: true }),
    async (request) => tools.retire(request.ctx, request.params.id),
  );
  app.post<IdParams>(
    "/api/v1/tools/:id/mount",
    describe("tools", "Mount the tool on a machine (technician)", { id: true, body: mountSchema }),
    async (request) => tools.mount(request.ctx, request.params.id, request.body),
  );
  app.post<IdParams>(
    "/api/v1/tools/:id/unmount",
    describe("tools", "Take the tool out of its machine (technician), optionally to a location", {
      id: true,
      body: unmountSchema,
    }),
    async (request) => tools.unmount(request.ctx, request.params.id, request.body),
  );
  app.get<IdParams>(
    "/api/v1/tools/:id/mounts",
    describe("tools", "Mount history of the tool, newest first", { id: true }),
    async (request) => ({ items: await tools.mounts(request.ctx, { toolId: request.params.id }) }),
  );
  app.get<IdParams>(
    "/api/v1/tools/:id/shots",
    describe("shots", "Shot entries of the tool, newest first; filters from, to", { id: true, query: listShotsSchema }),
    async (request) => shots.list(request.ctx, request.params.id, request.query),
  );
  app.post<IdParams>(
    "/api/v1/tools/:id/shots",
    describe("shots", "Record shots: exactly one of count (delta ≥ 1) or total (counter reading) (operator)", {
      id: true,
      body: recordShotsSchema,
    }),
    async (request, reply) => {
      const { entry, created } = await shots.record(request.ctx, request.params.id, request.body);
      return reply.code(created ? 201 : 200).send(entry);
    },
  );
  app.post(
    "/api/v1/shots",
    {
      ...describe("shots", "Up to 10,000 entries, each with tool_id or machine_id; one result per entry (operator)", {
        body: batchSchema,
      }),
      // 10,000 entries with ids and idempotency keys outgrow the general 1 MiB limit.
      bodyLimit: Math.max(app.initialConfig.bodyLimit ?? 0, BATCH_BODY_LIMIT),
    },
    async (request) => shots.recordBatch(request.ctx, request.body),
  );
}
