import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import {
  createCodeSchema,
  createReportSchema,
  listCodesSchema,
  listReportsSchema,
  updateCodeSchema,
  updateReportSchema,
} from "./service.ts";

export function registerFailureRoutes(app: FastifyInstance, { failures }: Services): void {
  app.get(
    "/api/v1/failure-codes",
    describe("failures", "The failure-code catalogue by category and code; filters category, active, q", {
      query: listCodesSchema,
    }),
    async (request) => failures.listCodes(request.ctx, request.query),
  );
  app.post(
    "/api/v1/failure-codes",
    describe("failures", "Add a failure code (engineer)", { body: createCodeSchema }),
    async (request, reply) => reply.code(201).send(await failures.createCode(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/failure-codes/:id",
    describe("failures", "One failure code", { id: true }),
    async (request) => failures.getCode(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/failure-codes/:id",
    describe("failures", "Change a failure code; active: false retires it (engineer)", {
      id: true,
      body: updateCodeSchema,
    }),
    async (request) => failures.updateCode(request.ctx, request.params.id, request.body),
  );

  app.get(
    "/api/v1/failure-reports",
    describe(
      "failures",
      "Failure reports, newest first; filters tool_id, machine_id, failure_code_id, status, severity, from, to",
      { query: listReportsSchema },
    ),
    async (request) => failures.listReports(request.ctx, request.query),
  );
  app.post(
    "/api/v1/failure-reports",
    describe("failures", "Report a failure of a tool or a machine (operator)", { body: createReportSchema }),
    async (request, reply) => reply.code(201).send(await failures.createReport(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/failure-reports/:id",
    describe("failures", "One failure report", { id: true }),
    async (request) => failures.getReport(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/failure-reports/:id",
    describe("failures", "Investigate a report: correct it, set the root cause, move its status (technician)", {
      id: true,
      body: updateReportSchema,
    }),
    async (request) => failures.updateReport(request.ctx, request.params.id, request.body),
  );
}
