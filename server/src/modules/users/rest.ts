import type { FastifyInstance } from "fastify";
import { idParams, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";

export function registerUserRoutes(app: FastifyInstance, { users }: Services): void {
  app.get(
    "/api/v1/users",
    { schema: { tags: ["users"], summary: "List users (manager and above); filters role, active, q" } },
    async (request) => users.list(request.ctx, request.query),
  );
  app.get(
    "/api/v1/people",
    {
      schema: {
        tags: ["users"],
        summary: "Active people by name, to assign actions to (actions:assign); q narrows. Names only",
      },
    },
    async (request) => users.people(request.ctx, request.query),
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
  app.post(
    "/api/v1/me/password",
    {
      schema: {
        tags: ["auth"],
        summary: "Change one's own password (ends one's other sessions; clears a forced reset)",
        body: {
          type: "object",
          required: ["current_password", "new_password"],
          properties: { current_password: { type: "string" }, new_password: { type: "string" } },
        },
      },
    },
    async (request, reply) => {
      await users.changeOwnPassword(request.ctx, request.body);
      return reply.code(204).send();
    },
  );
}
