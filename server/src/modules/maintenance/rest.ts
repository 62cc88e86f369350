import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { createLogSchema, listLogsSchema, signLogSchema, updateLogSchema } from "./service.ts";

export function registerMaintenanceLogRoutes(app: FastifyInstance, { maintenanceLogs }: Services): void {
  app.get(
    "/api/v1/maintenance-logs",
    describe(
      "maintenance logs",
      "Maintenance logs, newest first; filters tool_id, machine_id, plan_id, status, kind, from, to",
      {
        query: listLogsSchema,
      },
    ),
    async (request) => maintenanceLogs.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/maintenance-logs",
    describe(
      "maintenance logs",
      'Record maintenance on a tool or a machine (technician); status "completed" completes it at once',
      { body: createLogSchema },
    ),
    async (request, reply) => reply.code(201).send(await maintenanceLogs.create(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/maintenance-logs/:id",
    describe("maintenance logs", "One maintenance log", { id: true }),
    async (request) => maintenanceLogs.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/maintenance-logs/:id",
    describe(
      "maintenance logs",
      'Change an unsigned log (technician); status "completed" completes a draft; a signed log is a 409',
      { id: true, body: updateLogSchema },
    ),
    async (request) => maintenanceLogs.update(request.ctx, request.params.id, request.body),
  );
  app.post<IdParams>(
    "/api/v1/maintenance-logs/:id/sign",
    describe(
      "maintenance logs",
      "Sign a completed log with one's password (technician: own logs; engineer: anyone's); it is frozen afterwards",
      { id: true, body: signLogSchema },
    ),
    async (request) => maintenanceLogs.sign(request.ctx, request.params.id, request.body),
  );
}
