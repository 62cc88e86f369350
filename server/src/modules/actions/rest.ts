import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { createActionSchema, listActionsSchema, moveSchemas, updateActionSchema, type Move } from "./service.ts";

const MOVE_SUMMARIES: Record<Move, string> = {
  start: "Start work on an action: open → in_progress (assignee, or engineer)",
  complete: "Complete an action with a completion note (assignee, or engineer)",
  verify: "Verify a completed action (manager)",
  reopen: "Send a completed action back to in_progress (manager)",
  cancel: "Cancel an action that is not verified (manager)",
};

export function registerActionRoutes(app: FastifyInstance, { actions }: Services): void {
  app.get(
    "/api/v1/actions",
    describe(
      "actions",
      "Actions, newest first; filters mine, overdue, status, kind, priority, assignee_id and the link ids",
      { query: listActionsSchema },
    ),
    async (request) => actions.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/actions",
    describe("actions", "Create an action (technician; assigning to others: engineer)", { body: createActionSchema }),
    async (request, reply) => reply.code(201).send(await actions.create(request.ctx, request.body)),
  );
  app.get<IdParams>("/api/v1/actions/:id", describe("actions", "One action", { id: true }), async (request) =>
    actions.get(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/actions/:id",
    describe("actions", "Edit an open or in-progress action (technician; reassigning: engineer)", {
      id: true,
      body: updateActionSchema,
    }),
    async (request) => actions.update(request.ctx, request.params.id, request.body),
  );
  for (const move of Object.keys(moveSchemas) as Move[]) {
    app.post<IdParams>(
      `/api/v1/actions/:id/${move}`,
      describe("actions", MOVE_SUMMARIES[move], { id: true, body: moveSchemas[move] }),
      async (request) => actions.move(request.ctx, request.params.id, move, request.body),
    );
  }
}
