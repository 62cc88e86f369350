import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { createTemplateSchema, getTemplateSchema, listTemplatesSchema, updateTemplateSchema } from "./service.ts";

export function registerChecklistRoutes(app: FastifyInstance, { checklists }: Services): void {
  app.get(
    "/api/v1/checklist-templates",
    describe("checklists", "Checklist templates in their newest version, by name; filters applies_to, q", {
      query: listTemplatesSchema,
    }),
    async (request) => checklists.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/checklist-templates",
    describe("checklists", "Create a checklist template (engineer)", { body: createTemplateSchema }),
    async (request, reply) => reply.code(201).send(await checklists.create(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/checklist-templates/:id",
    describe("checklists", "One template: its newest version, or ?version=N", { id: true, query: getTemplateSchema }),
    async (request) => checklists.get(request.ctx, request.params.id, request.query),
  );
  app.patch<IdParams>(
    "/api/v1/checklist-templates/:id",
    describe(
      "checklists",
      "Change a template (engineer); a version already used by a log is kept and the change becomes a new version",
      { id: true, body: updateTemplateSchema },
    ),
    async (request) => checklists.update(request.ctx, request.params.id, request.body),
  );
  app.get<IdParams>(
    "/api/v1/checklist-templates/:id/versions",
    describe("checklists", "The template's versions, newest first", { id: true }),
    async (request) => checklists.versions(request.ctx, request.params.id),
  );
}
