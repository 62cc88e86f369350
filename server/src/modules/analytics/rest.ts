import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { describe, type IdParams } from "../../http/routes.ts";
import { sendTable } from "../../http/table-export.ts";
import type { Services } from "../../runtime.ts";
import { listReportsSchema, requestReportSchema, scheduleSchema } from "../reports/service.ts";
import { ANALYTICS_TABLES, RECORD_KINDS, type RecordKind } from "./exports.ts";
import { ageingSchema, filterSchema, kpiSchema, paretoSchema, seriesSchema, topToolsSchema } from "./service.ts";

/** The JSON calls and their export schemas (an export takes the same query as its JSON call). */
const TABLE_QUERIES: Record<(typeof ANALYTICS_TABLES)[number], z.ZodType> = {
  kpis: kpiSchema,
  series: seriesSchema,
  "downtime-pareto": paretoSchema,
  "failure-trends": seriesSchema,
  "tool-utilisation": filterSchema,
  "top-tools": topToolsSchema,
  "maintenance-compliance": filterSchema,
  "actions-ageing": ageingSchema,
};

/** The SPEC §11 list paths whose `…/export.csv|xlsx` the record exports answer. */
const RECORD_LIST_PATHS: Record<RecordKind, string> = {
  downtimes: "/api/v1/downtimes",
  "shot-entries": "/api/v1/shots",
  "failure-reports": "/api/v1/failure-reports",
  actions: "/api/v1/actions",
  "maintenance-logs": "/api/v1/maintenance-logs",
};

export function registerAnalyticsRoutes(
  app: FastifyInstance,
  { analytics, analyticsExports, reports }: Services,
): void {
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
  app.get(
    "/api/v1/analytics/series",
    describe("analytics", "Availability, MTTR, MTBF per day, ISO week or month (UTC)", { query: seriesSchema }),
    async (request) => analytics.series(request.ctx, request.query),
  );
  app.get(
    "/api/v1/analytics/failure-trends",
    describe("analytics", "Failure reports per bucket by code and severity", { query: seriesSchema }),
    async (request) => analytics.failureTrends(request.ctx, request.query),
  );
  app.get(
    "/api/v1/analytics/tool-utilisation",
    describe("analytics", "Per tool: time mounted, time running, shots per day against rated life", {
      query: filterSchema,
    }),
    async (request) => analytics.toolUtilisation(request.ctx, request.query),
  );
  app.get(
    "/api/v1/analytics/top-tools",
    describe("analytics", "Tools by failure reports per 100,000 shots (MTBF in shots), worst first", {
      query: topToolsSchema,
    }),
    async (request) => analytics.topTools(request.ctx, request.query),
  );
  app.get(
    "/api/v1/analytics/maintenance-compliance",
    describe("analytics", "Plan cycles done before overdue ÷ cycles judged; checklists on time", {
      query: filterSchema,
    }),
    async (request) => analytics.maintenanceCompliance(request.ctx, request.query),
  );
  app.get(
    "/api/v1/analytics/actions-ageing",
    describe("analytics", "Outstanding and overdue actions now, by age and days overdue", { query: ageingSchema }),
    async (request) => analytics.actionsAgeing(request.ctx, request.query),
  );

  for (const format of ["csv", "xlsx"] as const) {
    for (const name of ANALYTICS_TABLES) {
      app.get(
        `/api/v1/analytics/${name}/export.${format}`,
        describe("analytics", `The ${name} table as ${format.toUpperCase()} (manager)`, { query: TABLE_QUERIES[name] }),
        async (request, reply) =>
          sendTable(reply, format, name, await analyticsExports.table(request.ctx, name, request.query)),
      );
    }
    for (const kind of RECORD_KINDS) {
      const handler = async (request: FastifyRequest, reply: FastifyReply) =>
        sendTable(reply, format, kind, await analyticsExports.records(request.ctx, kind, request.query));
      const schema = describe("analytics", `The ${kind} as ${format.toUpperCase()}, streamed (manager)`, {
        query: filterSchema,
      });
      app.get(`/api/v1/analytics/records/${kind}/export.${format}`, schema, handler);
      app.get(`${RECORD_LIST_PATHS[kind]}/export.${format}`, schema, handler);
    }
  }

  app.get(
    "/api/v1/analytics/reports",
    describe("analytics", "PDF reports, newest first (manager)", { query: listReportsSchema }),
    async (request) => reports.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/analytics/reports",
    describe("analytics", "Queue a PDF report of a period (plant or one line); generated in the background (manager)", {
      body: requestReportSchema,
    }),
    async (request, reply) => reply.code(202).send(await reports.request(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/analytics/reports/:id",
    describe("analytics", "A report's status: queued, running, ok or failed (manager)", { id: true }),
    async (request) => reports.get(request.ctx, request.params.id),
  );
  app.get<IdParams>(
    "/api/v1/analytics/reports/:id/pdf",
    describe("analytics", "A finished report's PDF (manager); 409 until it is ready", { id: true }),
    async (request, reply) => {
      const { filename, content } = await reports.download(request.ctx, request.params.id);
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="${filename}"`)
        .send(content);
    },
  );
  app.get(
    "/api/v1/analytics/report-schedule",
    describe("analytics", "Who receives the weekly PDF report and when (admin)"),
    async (request) => reports.schedule(request.ctx),
  );
  app.put(
    "/api/v1/analytics/report-schedule",
    describe("analytics", "Set who receives the weekly PDF report and when: ISO weekday and hour, UTC (admin)", {
      body: scheduleSchema,
    }),
    async (request) => reports.setSchedule(request.ctx, request.body),
  );
}
