import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { listSchema, startSchema } from "./service.ts";

export function registerBackupRoutes(app: FastifyInstance, { backups }: Services): void {
  app.get(
    "/api/v1/backups",
    describe("operations", "Backup history, newest first: status, file, size, SHA-256 (admin)", { query: listSchema }),
    async (request) => backups.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/backups",
    describe("operations", "Start a backup now; 202 with the running record, 409 while one runs (admin)", {
      body: startSchema,
    }),
    async (request, reply) => reply.code(202).send(await backups.start(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/backups/:id",
    describe("operations", "One backup (admin)", { id: true }),
    async (request) => backups.get(request.ctx, request.params.id),
  );
}
