import type { FastifyInstance } from "fastify";
import type { Services } from "../../runtime.ts";

export function registerAuditRoutes(app: FastifyInstance, { audit }: Services): void {
  app.get(
    "/api/v1/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "The audit log, newest first; filters entity_type, entity_id, actor_id, action, from, to",
      },
    },
    async (request) => audit.list(request.ctx, request.query),
  );
  app.get(
    "/api/v1/audit/verify",
    { schema: { tags: ["audit"], summary: "Verify the hash chain (admin): { ok, checked, first_bad_id }" } },
    async (request) => audit.verifyForActor(request.ctx),
  );
}
