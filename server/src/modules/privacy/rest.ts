import type { FastifyInstance } from "fastify";
import { idParams, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";

export function registerPrivacyRoutes(app: FastifyInstance, { privacy }: Services): void {
  app.get<IdParams>(
    "/api/v1/users/:id/export",
    {
      schema: {
        tags: ["users"],
        summary: "Everything the user did, as JSON (the user themself or an admin)",
        params: idParams,
      },
    },
    async (request, reply) => {
      const data = await privacy.export(request.ctx, request.params.id);
      return reply.header("content-disposition", `attachment; filename="user-${request.params.id}.json"`).send(data);
    },
  );
  app.post<IdParams>(
    "/api/v1/users/:id/anonymise",
    {
      schema: {
        tags: ["users"],
        summary: "Replace a departed user's username, name and e-mail with a pseudonym everywhere (admin)",
        params: idParams,
      },
    },
    async (request) => privacy.anonymise(request.ctx, request.params.id, request.body ?? {}),
  );
}
