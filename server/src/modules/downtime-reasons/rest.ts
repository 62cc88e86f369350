import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { createSchema, listSchema, updateSchema } from "./service.ts";

export function registerDowntimeReasonRoutes(app: FastifyInstance, { downtimeReasons }: Services): void {
  app.get(
    "/api/v1/downtime-reasons",
    describe(
      "downtimes",
      "The reason tree in display order; filters category, parent_id, top_level, include_inactive",
      {
        query: listSchema,
      },
    ),
    async (request) => downtimeReasons.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/downtime-reasons",
    describe("downtimes", "Add a reason (engineer); a child takes its parent's category", { body: createSchema }),
    async (request, reply) => reply.code(201).send(await downtimeReasons.create(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/downtime-reasons/:id",
    describe("downtimes", "One reason", { id: true }),
    async (request) => downtimeReasons.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/downtime-reasons/:id",
    describe("downtimes", "Rename, reorder or (de)activate a reason (engineer)", { id: true, body: updateSchema }),
    async (request) => downtimeReasons.update(request.ctx, request.params.id, request.body),
  );
}
