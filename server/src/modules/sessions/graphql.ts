import type { Builder } from "../../graphql/builder.ts";
import type { Session } from "./service.ts";

export function registerSessionGraphql(builder: Builder) {
  const SessionType = builder.objectRef<Session>("Session").implement({
    description: "A signed-in device (one refresh-token family)",
    fields: (t) => ({
      id: t.exposeID("id"),
      userId: t.string({ resolve: (s) => s.user_id }),
      createdAt: t.string({ resolve: (s) => s.created_at }),
      lastUsedAt: t.string({ resolve: (s) => s.last_used_at }),
      expiresAt: t.string({ resolve: (s) => s.expires_at }),
      userAgent: t.string({ nullable: true, resolve: (s) => s.user_agent }),
      ip: t.string({ nullable: true, resolve: (s) => s.ip }),
      current: t.exposeBoolean("current"),
    }),
  });

  builder.queryFields((t) => ({
    sessions: t.field({
      type: [SessionType],
      description: "A user's live sessions (the user themself or an admin)",
      args: { userId: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.sessions.list(ctx, String(args.userId)),
    }),
  }));

  builder.mutationFields((t) => ({
    revokeSession: t.boolean({
      args: { userId: t.arg.id({ required: true }), sessionId: t.arg.id({ required: true }) },
      resolve: async (_root, args, { ctx, services }) => {
        await services.sessions.revoke(ctx, String(args.userId), String(args.sessionId));
        return true;
      },
    }),
    revokeSessions: t.int({
      description: "Ends all of a user's sessions but the caller's own unless keepCurrent is false; returns how many",
      args: { userId: t.arg.id({ required: true }), keepCurrent: t.arg.boolean() },
      resolve: async (_root, args, { ctx, services }) => {
        const input = args.keepCurrent == null ? {} : { keep_current: args.keepCurrent };
        return (await services.sessions.revokeAll(ctx, String(args.userId), input)).revoked;
      },
    }),
    changePassword: t.boolean({
      args: {
        currentPassword: t.arg.string({ required: true }),
        newPassword: t.arg.string({ required: true }),
      },
      resolve: async (_root, args, { ctx, services }) => {
        await services.users.changeOwnPassword(ctx, {
          current_password: args.currentPassword,
          new_password: args.newPassword,
        });
        return true;
      },
    }),
  }));
}
