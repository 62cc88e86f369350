import { AppError, unauthenticated } from "../errors.ts";
import { can, type Permission, type Role } from "./permissions.ts";

/** Who is calling: resolved once per request from the bearer token. */
export interface Actor {
  id: string;
  username: string;
  role: Role;
  sessionId: string;
  /** An admin-forced reset is pending: only `requireSignedIn` operations are open until a new password is set. */
  mustChangePassword?: boolean;
}

/** What every service call receives, from REST and GraphQL alike. */
export interface RequestContext {
  actor: Actor | null;
  /** Set when a token was presented but refused: explains the 401. */
  authError?: AppError;
  requestId: string;
  ip?: string;
  userAgent?: string;
}

/**
 * The authenticated actor, or a 401; a 403 `PASSWORD_CHANGE_REQUIRED` while an admin-forced reset
 * is pending. Every service asks this (or `authorize`), so the limit holds for REST and GraphQL alike.
 */
export function requireActor(ctx: RequestContext): Actor {
  const actor = requireSignedIn(ctx);
  if (actor.mustChangePassword) {
    throw new AppError(
      403,
      "PASSWORD_CHANGE_REQUIRED",
      "An administrator reset your password: choose a new one before continuing",
    );
  }
  return actor;
}

/** The authenticated actor even with a pending forced reset: for `me`, the password change, sessions and logout. */
export function requireSignedIn(ctx: RequestContext): Actor {
  if (ctx.actor) return ctx.actor;
  throw ctx.authError ?? unauthenticated();
}

/**
 * The authenticated actor holding `permission`, or a 401/403. The 403 names the permission in
 * its details (`field: "permission"`), so clients can say what is missing and the permission
 * matrix test can check every route against the matrix.
 */
export function authorize(ctx: RequestContext, permission: Permission): Actor {
  const actor = requireActor(ctx);
  if (!can(actor, permission)) throw missingPermission(actor, permission);
  return actor;
}

export function missingPermission(actor: Actor, permission: Permission): AppError {
  return new AppError(403, "FORBIDDEN", `Your role (${actor.role}) does not allow ${permission}`, [
    { field: "permission", message: `requires ${permission}`, code: permission },
  ]);
}

/** A context for work the system does on its own behalf (CLI, bootstrap, jobs). */
export function systemContext(requestId = "system"): RequestContext {
  return { actor: null, requestId };
}
