import type { FastifyInstance } from "fastify";
import { describe } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { kpiSchema, paretoSchema } from "./service.ts";

export function registerAnalyticsRoutes(app: FastifyInstance, { analytics }: Services): void {
  app.get(
    "/api/v1/analytics/kpis",
    describe("analytics", "Availability, failures, MTTR, MTBF for a machine, a line or the plant over [from, to)", {
      query: kpiSchema,
    }),
    async (request) => analytics.kpis(request.ctx, request.query),
  );
  app.get(
    "/api/v1/analytics/downtime-pareto",
    describe("analytics", "Downtime minutes by reason, largest first", { query: paretoSchema }),
    async (request) => analytics.downtimePareto(request.ctx, request.query),
  );
}
