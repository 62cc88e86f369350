import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { closeSchema, createSchema, listSchema, updateSchema } from "./service.ts";

export function registerRepairRoutes(app: FastifyInstance, { repairs }: Services): void {
  app.get(
    "/api/v1/repairs",
    describe("repairs", "Repairs, newest first; filters machine_id, line_id, status, kind, q, from, to", {
      query: listSchema,
    }),
    async (request) => repairs.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/repairs",
    describe("repairs", "Record a repair of a machine (technician)", { body: createSchema }),
    async (request, reply) => reply.code(201).send(await repairs.create(request.ctx, request.body)),
  );
  app.get<IdParams>("/api/v1/repairs/:id", describe("repairs", "One repair", { id: true }), async (request) =>
    repairs.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/repairs/:id",
    describe("repairs", "Change a repair (technician)", { id: true, body: updateSchema }),
    async (request) => repairs.update(request.ctx, request.params.id, request.body),
  );
  app.post<IdParams>(
    "/api/v1/repairs/:id/close",
    describe("repairs", "Close a repair at end_datetime, its recorded end, or now (technician)", {
      id: true,
      body: closeSchema,
    }),
    async (request) => repairs.close(request.ctx, request.params.id, request.body),
  );
}
