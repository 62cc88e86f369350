import type { FastifyInstance } from "fastify";
import { describe } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import { updateSettingsSchema } from "./service.ts";

export function registerSettingsRoutes(app: FastifyInstance, { settings }: Services): void {
  app.get(
    "/api/v1/settings",
    describe("settings", "Plant settings: plant name, default language of new accounts (admin)"),
    async (request) => settings.get(request.ctx),
  );
  app.patch(
    "/api/v1/settings",
    describe("settings", "Change plant settings; only the fields sent change, null clears the plant name (admin)", {
      body: updateSettingsSchema,
    }),
    async (request) => settings.update(request.ctx, request.body),
  );
}
