import type { FastifyInstance } from "fastify";
import { errorResponse } from "../../http/openapi.ts";
import type { Services } from "../../runtime.ts";

const tokenResponse = {
  type: "object",
  properties: {
    access_token: { type: "string" },
    token_type: { type: "string", enum: ["bearer"] },
    expires_in: { type: "integer" },
    refresh_token: { type: "string" },
    password_change_required: { type: "boolean" },
  },
};

export function registerAuthRoutes(app: FastifyInstance, { auth, users }: Services): void {
  app.post(
    "/api/v1/auth/token",
    {
      config: { acceptsForm: true },
      schema: {
        tags: ["auth"],
        summary: "Log in with a username and password (JSON or an OAuth2 password form)",
        security: [],
        body: {
          type: "object",
          required: ["username", "password"],
          properties: { username: { type: "string" }, password: { type: "string" }, grant_type: { type: "string" } },
        },
        response: { 200: tokenResponse, 401: errorResponse, 429: errorResponse },
      },
    },
    async (request) => auth.login(request.ctx, request.body),
  );

  app.post(
    "/api/v1/auth/refresh",
    {
      schema: {
        tags: ["auth"],
        summary: "Rotate a refresh token (a spent token revokes its whole session)",
        security: [],
        body: { type: "object", required: ["refresh_token"], properties: { refresh_token: { type: "string" } } },
        response: { 200: tokenResponse, 401: errorResponse },
      },
    },
    async (request) => auth.refresh(request.ctx, request.body),
  );

  app.post(
    "/api/v1/auth/logout",
    {
      schema: {
        tags: ["auth"],
        summary: "End the session of a refresh token, or the caller's current session",
        body: { type: "object", properties: { refresh_token: { type: "string" } } },
      },
    },
    async (request, reply) => {
      await auth.logout(request.ctx, request.body ?? {});
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/v1/auth/register",
    {
      schema: {
        tags: ["auth"],
        summary: "Self-registration (only when HOM_ALLOW_SIGNUP=true; creates a viewer)",
        security: [],
        body: {
          type: "object",
          required: ["username", "password"],
          properties: {
            username: { type: "string" },
            password: { type: "string" },
            full_name: { type: "string" },
            email: { type: "string" },
            locale: { type: "string", enum: ["en", "pl", "ru"] },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send(await auth.register(request.ctx, request.body)),
  );

  app.get("/api/v1/me", { schema: { tags: ["auth"], summary: "The logged-in user" } }, async (request) =>
    users.me(request.ctx),
  );
}
