import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { createPlanSchema, listPlansSchema, resetPlanSchema, updatePlanSchema } from "./service.ts";

export function registerPlanRoutes(app: FastifyInstance, { plans }: Services): void {
  for (const owner of ["tools", "machines"] as const) {
    const key = owner === "tools" ? "tool_id" : "machine_id";
    app.get<IdParams>(
      `/api/v1/${owner}/:id/maintenance-plans`,
      describe("maintenance plans", `Plans of the ${owner.slice(0, -1)} with status and forecast`, {
        id: true,
        query: listPlansSchema,
      }),
      async (request) => plans.listFor(request.ctx, { [key]: request.params.id } as never, request.query),
    );
    app.post<IdParams>(
      `/api/v1/${owner}/:id/maintenance-plans`,
      describe("maintenance plans", `Add a plan to the ${owner.slice(0, -1)} (engineer)`, {
        id: true,
        body: createPlanSchema,
      }),
      async (request, reply) =>
        reply.code(201).send(await plans.create(request.ctx, { [key]: request.params.id } as never, request.body)),
    );
  }
  app.get<IdParams>(
    "/api/v1/maintenance-plans/:id",
    describe("maintenance plans", "One plan with status and forecast", { id: true }),
    async (request) => plans.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/maintenance-plans/:id",
    describe("maintenance plans", "Change a plan (engineer); `active: false` stops it", {
      id: true,
      body: updatePlanSchema,
    }),
    async (request) => plans.update(request.ctx, request.params.id, request.body),
  );
  app.post<IdParams>(
    "/api/v1/maintenance-plans/:id/reset",
    describe("maintenance plans", "Record the maintenance as done (technician): the next interval starts", {
      id: true,
      body: resetPlanSchema,
    }),
    async (request) => plans.reset(request.ctx, request.params.id, request.body),
  );
}
