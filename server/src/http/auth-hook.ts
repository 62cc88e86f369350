import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RequestContext } from "../access/context.ts";
import { AppError, unauthenticated } from "../errors.ts";
import type { AuthService } from "../modules/auth/service.ts";

declare module "fastify" {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/**
 * Builds the request context before any route runs. A missing token leaves the actor empty
 * (public routes still work); a bad one is remembered and becomes the 401 of any route that
 * needs an actor, so REST and GraphQL report it alike.
 */
export function registerAuthentication(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest("ctx", null as unknown as RequestContext);
  app.addHook("onRequest", async (request: FastifyRequest) => {
    const ctx: RequestContext = {
      actor: null,
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers["user-agent"],
    };
    request.ctx = ctx;
    const header = request.headers.authorization;
    if (!header) return;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      ctx.authError = unauthenticated("Authorization header must be 'Bearer <token>'");
      return;
    }
    try {
      ctx.actor = await auth.authenticate(match[1]);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      ctx.authError = error;
    }
  });
}
