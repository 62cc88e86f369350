import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { listSchema, startSchema } from "./service.ts";

export function registerEncryptionRoutes(app: FastifyInstance, { encryption }: Services): void {
  app.get(
    "/api/v1/encryption",
    describe(
      "operations",
      "Whether data is encrypted, the public id of the key in use, whether a rotation runs (admin)",
    ),
    async (request) => encryption.status(request.ctx),
  );
  app.post(
    "/api/v1/encryption/rotations",
    describe(
      "operations",
      "Rotate the master key to the one in HOM_NEW_ENCRYPTION_KEY_FILE: database now, photos in the background; 202 (admin)",
      { body: startSchema },
    ),
    async (request, reply) => reply.code(202).send(await encryption.start(request.ctx, request.body)),
  );
  app.get(
    "/api/v1/encryption/rotations",
    describe("operations", "Key rotations, newest first, with their progress (admin)", { query: listSchema }),
    async (request) => encryption.list(request.ctx, request.query),
  );
  app.get<IdParams>(
    "/api/v1/encryption/rotations/:id",
    describe("operations", "One key rotation and its progress (admin)", { id: true }),
    async (request) => encryption.get(request.ctx, request.params.id),
  );
}
