import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { listNotificationsSchema, preferencesSchema } from "./service.ts";

export function registerNotificationRoutes(app: FastifyInstance, { notifications }: Services): void {
  app.get(
    "/api/v1/notifications",
    describe("notifications", "Your notifications, newest first, with unread_count; filter unread", {
      query: listNotificationsSchema,
    }),
    async (request) => notifications.list(request.ctx, request.query),
  );
  app.post(
    "/api/v1/notifications/read-all",
    describe("notifications", "Mark all your notifications read"),
    async (request) => notifications.markAllRead(request.ctx),
  );
  app.get(
    "/api/v1/notifications/preferences",
    describe("notifications", "Which notification kinds you also get by e-mail"),
    async (request) => notifications.preferences(request.ctx),
  );
  app.patch(
    "/api/v1/notifications/preferences",
    describe("notifications", 'Choose e-mails per kind, e.g. { "action_overdue": false }', {
      body: preferencesSchema,
    }),
    async (request) => notifications.updatePreferences(request.ctx, request.body),
  );
  app.post<IdParams>(
    "/api/v1/notifications/:id/read",
    describe("notifications", "Mark one of your notifications read", { id: true }),
    async (request) => notifications.markRead(request.ctx, request.params.id),
  );
}
