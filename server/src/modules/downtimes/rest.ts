import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { createSchema, endSchema, listSchema, updateSchema } from "./service.ts";

export function registerDowntimeRoutes(app: FastifyInstance, { downtimes }: Services): void {
  app.get(
    "/api/v1/downtimes",
    describe(
      "downtimes",
      "Downtimes, newest first; filters machine_id, line_id, category, reason_id, ongoing, from, to",
      {
        query: listSchema,
      },
    ),
    async (request) => downtimes.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/downtimes",
    describe("downtimes", "Start a downtime now (no end), or record one with an end or a duration (operator)", {
      body: createSchema,
    }),
    async (request, reply) => reply.code(201).send(await downtimes.create(request.ctx, request.body)),
  );
  app.get<IdParams>("/api/v1/downtimes/:id", describe("downtimes", "One downtime", { id: true }), async (request) =>
    downtimes.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/downtimes/:id",
    describe("downtimes", "Pick the reason or note (operator); correct times or category (engineer)", {
      id: true,
      body: updateSchema,
    }),
    async (request) => downtimes.update(request.ctx, request.params.id, request.body),
  );
  app.post<IdParams>(
    "/api/v1/downtimes/:id/end",
    describe("downtimes", "End an ongoing downtime now or at end_datetime, optionally with its reason (operator)", {
      id: true,
      body: endSchema,
    }),
    async (request) => downtimes.end(request.ctx, request.params.id, request.body),
  );
  app.delete<IdParams>(
    "/api/v1/downtimes/:id",
    describe("downtimes", "Delete a downtime recorded by mistake (engineer; soft, audited)", { id: true }),
    async (request) => downtimes.delete(request.ctx, request.params.id),
  );
}
