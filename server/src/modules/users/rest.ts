import type { FastifyInstance } from "fastify";
import { idParams, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";

export function registerUserRoutes(app: FastifyInstance, { users }: Services): void {
  app.get(
    "/api/v1/users",
    { schema: { tags: ["users"], summary: "List users (manager and above); filters role, active, q" } },
    async (request) => users.list(request.ctx, request.query),
  );
  app.post("/api/v1/users", { schema: { tags: ["users"], summary: "Create a user (admin)" } }, async (request, reply) =>
    reply.code(201).send(await users.create(request.ctx, request.body)),
  );
  app.get<IdParams>("/api/v1/users/:id", { schema: { tags: ["users"], params: idParams } }, async (request) =>
    users.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/users/:id",
    {
      schema: {
        tags: ["users"],
        summary: "Change a user's details, role, state or password (admin)",
        params: idParams,
      },
    },
    async (request) => users.update(request.ctx, request.params.id, request.body),
  );
}
