import type { FastifyInstance } from "fastify";
import { describe } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { historySchema } from "./service.ts";

export function registerHistoryRoutes(app: FastifyInstance, { history }: Services): void {
  app.get(
    "/api/v1/history",
    describe(
      "history",
      "Maintenance logs, repairs and downtimes of a tool (tool_id) or a machine (machine_id), newest first",
      { query: historySchema },
    ),
    async (request) => history.list(request.ctx, request.query),
  );
}
