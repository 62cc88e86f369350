import { connectionType, pageArgs, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { Notification, NotificationPreference } from "./service.ts";
import { NOTIFICATION_KINDS } from "./service.ts";

export function registerNotificationGraphql(builder: Builder) {
  builder.enumType("NotificationKind", { values: NOTIFICATION_KINDS });
  const NotificationType = builder.objectRef<Notification>("Notification").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      kind: t.exposeString("kind"),
      title: t.exposeString("title"),
      body: t.exposeString("body", { nullable: true }),
      entityType: t.string({ nullable: true, resolve: (n) => n.entity_type }),
      entityId: t.id({ nullable: true, resolve: (n) => n.entity_id }),
      read: t.exposeBoolean("read"),
      readAt: t.string({ nullable: true, resolve: (n) => n.read_at }),
      createdAt: t.string({ resolve: (n) => n.created_at }),
    }),
  });
  const PreferenceType = builder.objectRef<NotificationPreference>("NotificationPreference").implement({
    fields: (t) => ({ kind: t.exposeString("kind"), email: t.exposeBoolean("email") }),
  });
  const NotificationConnection = connectionType(builder, "Notification", NotificationType);
  const PreferencesInput = builder.inputType("NotificationPreferencesInput", {
    fields: (t) => Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, t.boolean()])),
  });

  builder.queryFields((t) => ({
    notifications: t.field({
      type: NotificationConnection,
      args: { first: t.arg.int(), after: t.arg.string(), unread: t.arg.boolean() },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.notifications.list(ctx, { ...pageArgs({ first, after }), ...withoutNulls(filter) }),
    }),
    unreadNotificationCount: t.int({
      resolve: (_root, _args, { ctx, services }) => services.notifications.unreadCount(ctx),
    }),
    notificationPreferences: t.field({
      type: [PreferenceType],
      resolve: async (_root, _args, { ctx, services }) => (await services.notifications.preferences(ctx)).items,
    }),
  }));
  builder.mutationFields((t) => ({
    markNotificationRead: t.field({
      type: NotificationType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.notifications.markRead(ctx, String(args.id)),
    }),
    markAllNotificationsRead: t.int({
      resolve: async (_root, _args, { ctx, services }) => (await services.notifications.markAllRead(ctx)).marked,
    }),
    updateNotificationPreferences: t.field({
      type: [PreferenceType],
      args: { input: t.arg({ type: PreferencesInput, required: true }) },
      resolve: async (_root, args, { ctx, services }) =>
        (await services.notifications.updatePreferences(ctx, withoutNulls(args.input))).items,
    }),
  }));
}
