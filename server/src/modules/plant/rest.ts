import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import {
  createLineSchema,
  createMachineSchema,
  listLinesSchema,
  listMachinesSchema,
  updateLineSchema,
  updateMachineSchema,
} from "./service.ts";

export function registerPlantRoutes(app: FastifyInstance, { plant }: Services): void {
  app.get(
    "/api/v1/lines",
    describe("plant", "List lines; filters status, q, include_retired", { query: listLinesSchema }),
    async (request) => plant.listLines(request.ctx, request.query),
  );
  app.post(
    "/api/v1/lines",
    describe("plant", "Create a line (engineer)", { body: createLineSchema }),
    async (request, reply) => reply.code(201).send(await plant.createLine(request.ctx, request.body)),
  );
  app.get<IdParams>("/api/v1/lines/:id", describe("plant", "One line", { id: true }), async (request) =>
    plant.getLine(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/lines/:id",
    describe("plant", "Change a line (engineer); `active: false` retires it (manager)", {
      id: true,
      body: updateLineSchema,
    }),
    async (request) => plant.updateLine(request.ctx, request.params.id, request.body),
  );

  app.get(
    "/api/v1/machines",
    describe("plant", "List machines; filters line_id, status, q, include_retired", { query: listMachinesSchema }),
    async (request) => plant.listMachines(request.ctx, request.query),
  );
  app.post(
    "/api/v1/machines",
    describe("plant", "Create a machine on a line (engineer)", { body: createMachineSchema }),
    async (request, reply) => reply.code(201).send(await plant.createMachine(request.ctx, request.body)),
  );
  app.get<IdParams>("/api/v1/machines/:id", describe("plant", "One machine", { id: true }), async (request) =>
    plant.getMachine(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/machines/:id",
    describe("plant", "Change a machine (engineer); `status: retired` retires it (manager)", {
      id: true,
      body: updateMachineSchema,
    }),
    async (request) => plant.updateMachine(request.ctx, request.params.id, request.body),
  );
}
