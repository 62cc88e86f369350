import { toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { KIND_NAMES } from "./kinds.ts";
import type { RetentionItem, RetentionRule } from "./service.ts";

export function registerRetentionGraphql(builder: Builder) {
  const RetentionKind = builder.enumType("RetentionKind", { values: KIND_NAMES });
  const Rule = builder.objectRef<RetentionRule>("RetentionRule").implement({
    fields: (t) => ({
      kind: t.exposeString("kind"),
      description: t.exposeString("description"),
      keepDays: t.int({ nullable: true, resolve: (r) => r.keep_days }),
      defaultKeepDays: t.int({ nullable: true, resolve: (r) => r.default_keep_days }),
      minKeepDays: t.int({ resolve: (r) => r.min_keep_days }),
      available: t.exposeBoolean("available"),
      updatedAt: t.string({ nullable: true, resolve: (r) => r.updated_at }),
      updatedBy: t.id({ nullable: true, resolve: (r) => r.updated_by }),
    }),
  });
  const Item = builder.objectRef<RetentionItem & { removed?: number }>("RetentionItem").implement({
    fields: (t) => ({
      kind: t.exposeString("kind"),
      keepDays: t.int({ nullable: true, resolve: (r) => r.keep_days }),
      cutoff: t.exposeString("cutoff", { nullable: true }),
      count: t.exposeInt("count"),
      oldest: t.exposeString("oldest", { nullable: true }),
      newest: t.exposeString("newest", { nullable: true }),
      removed: t.int({ nullable: true, resolve: (r) => r.removed ?? null }),
    }),
  });
  const Preview = builder
    .objectRef<{ as_of: string; items: (RetentionItem & { removed?: number })[] }>("RetentionPreview")
    .implement({
      fields: (t) => ({
        asOf: t.string({ resolve: (p) => p.as_of }),
        items: t.field({ type: [Item], resolve: (p) => p.items }),
      }),
    });

  builder.queryFields((t) => ({
    retentionRules: t.field({
      type: [Rule],
      resolve: (_root, _args, { ctx, services }) => services.retention.rules(ctx),
    }),
    retentionPreview: t.field({
      type: Preview,
      args: { asOf: t.arg.string(), kinds: t.arg({ type: [RetentionKind] }) },
      resolve: (_root, args, { ctx, services }) => services.retention.preview(ctx, toSnakeCase(withoutNulls(args))),
    }),
  }));
  builder.mutationFields((t) => ({
    setRetentionRule: t.field({
      type: Rule,
      args: { kind: t.arg({ type: RetentionKind, required: true }), keepDays: t.arg.int() },
      resolve: (_root, args, { ctx, services }) =>
        services.retention.setRule(ctx, args.kind, { keep_days: args.keepDays ?? null }),
    }),
    applyRetention: t.field({
      type: Preview,
      args: { asOf: t.arg.string(), kinds: t.arg({ type: [RetentionKind] }) },
      resolve: (_root, args, { ctx, services }) => services.retention.apply(ctx, toSnakeCase(withoutNulls(args))),
    }),
  }));
}
