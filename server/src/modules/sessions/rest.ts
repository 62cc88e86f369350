import type { FastifyInstance } from "fastify";
import { idParams, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";

export function registerSessionRoutes(app: FastifyInstance, { sessions }: Services): void {
  app.get<IdParams>(
    "/api/v1/users/:id/sessions",
    {
      schema: {
        tags: ["users"],
        summary: "A user's live sessions: device, address, created, last used (the user themself or an admin)",
        params: idParams,
      },
    },
    async (request) => ({ items: await sessions.list(request.ctx, request.params.id) }),
  );
  app.delete<{ Params: { id: string; sessionId: string } }>(
    "/api/v1/users/:id/sessions/:sessionId",
    {
      schema: {
        tags: ["users"],
        summary: "End one session (the user themself or an admin); its tokens stop working at once",
        params: {
          type: "object",
          properties: { id: { type: "string" }, sessionId: { type: "string" } },
          required: ["id", "sessionId"],
        },
      },
    },
    async (request, reply) => {
      await sessions.revoke(request.ctx, request.params.id, request.params.sessionId);
      return reply.code(204).send();
    },
  );
  app.post<IdParams>(
    "/api/v1/users/:id/sessions/revoke",
    {
      schema: {
        tags: ["users"],
        summary: "End all of a user's sessions but the caller's own (body { keep_current: false } ends that too)",
        params: idParams,
        body: { type: "object", properties: { keep_current: { type: "boolean" } } },
      },
    },
    async (request) => sessions.revokeAll(request.ctx, request.params.id, request.body ?? {}),
  );
}
