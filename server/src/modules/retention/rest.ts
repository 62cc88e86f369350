import type { FastifyInstance } from "fastify";
import { describe } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { applySchema, previewSchema, ruleSchema } from "./service.ts";

export function registerRetentionRoutes(app: FastifyInstance, { retention }: Services): void {
  app.get(
    "/api/v1/retention/rules",
    describe("operations", "Retention rules per kind of record (admin)"),
    async (request) => ({
      items: await retention.rules(request.ctx),
    }),
  );
  app.put<{ Params: { kind: string } }>(
    "/api/v1/retention/rules/:kind",
    describe("operations", "Set how many days a kind is kept; null keeps it forever (admin)", { body: ruleSchema }),
    async (request) => retention.setRule(request.ctx, request.params.kind, request.body),
  );
  app.get(
    "/api/v1/retention/preview",
    describe("operations", "What the rules would remove now (or as of as_of): count, oldest, newest per kind (admin)", {
      query: previewSchema,
    }),
    async (request) => retention.preview(request.ctx, request.query),
  );
  app.post(
    "/api/v1/retention/apply",
    describe("operations", "Remove what the preview of as_of showed; audited per kind (admin)", { body: applySchema }),
    async (request) => retention.apply(request.ctx, request.body),
  );
}
