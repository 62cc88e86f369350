import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { DOWNTIME_CATEGORIES } from "./service.ts";

export function registerDowntimeReasonGraphql(builder: Builder, refs: Refs) {
  const DowntimeCategory = builder.enumType("DowntimeCategory", { values: DOWNTIME_CATEGORIES });

  refs.DowntimeReason.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      parentId: t.id({ nullable: true, resolve: (r) => r.parent_id }),
      parent: t.field({
        type: refs.DowntimeReason,
        nullable: true,
        resolve: (r, _args, context) =>
          r.parent_id
            ? loader(context, "downtimeReason", (ids) => context.services.downtimeReasons.byIds(context.ctx, ids)).load(
                r.parent_id,
              )
            : null,
      }),
      children: t.field({
        type: [refs.DowntimeReason],
        args: { includeInactive: t.arg.boolean() },
        resolve: async (r, args, { ctx, services }) =>
          r.parent_id
            ? []
            : (
                await services.downtimeReasons.list(ctx, {
                  parent_id: r.id,
                  include_inactive: args.includeInactive ?? false,
                  limit: 500,
                })
              ).items,
      }),
      code: t.exposeString("code"),
      name: t.exposeString("name"),
      category: t.exposeString("category"),
      countsAsFailure: t.boolean({ resolve: (r) => r.counts_as_failure }),
      active: t.exposeBoolean("active"),
      sortOrder: t.int({ resolve: (r) => r.sort_order }),
      createdAt: t.string({ resolve: (r) => r.created_at }),
      updatedAt: t.string({ resolve: (r) => r.updated_at }),
    }),
  });
  const DowntimeReasonConnection = connectionType(builder, "DowntimeReason", refs.DowntimeReason);

  const CreateDowntimeReasonInput = builder.inputType("CreateDowntimeReasonInput", {
    fields: (t) => ({
      parentId: t.id(),
      code: t.string({ required: true }),
      name: t.string({ required: true }),
      category: t.field({ type: DowntimeCategory }),
      countsAsFailure: t.boolean(),
      active: t.boolean(),
      sortOrder: t.int(),
    }),
  });
  const UpdateDowntimeReasonInput = builder.inputType("UpdateDowntimeReasonInput", {
    fields: (t) => ({
      code: t.string(),
      name: t.string(),
      countsAsFailure: t.boolean(),
      active: t.boolean(),
      sortOrder: t.int(),
    }),
  });

  builder.queryFields((t) => ({
    downtimeReasons: t.field({
      type: DowntimeReasonConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        category: t.arg({ type: DowntimeCategory }),
        parentId: t.arg.id(),
        topLevel: t.arg.boolean(),
        includeInactive: t.arg.boolean(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.downtimeReasons.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    downtimeReason: t.field({
      type: refs.DowntimeReason,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.downtimeReasons.get(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createDowntimeReason: t.field({
      type: refs.DowntimeReason,
      args: { input: t.arg({ type: CreateDowntimeReasonInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.downtimeReasons.create(ctx, toSnakeCase(args.input)),
    }),
    updateDowntimeReason: t.field({
      type: refs.DowntimeReason,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateDowntimeReasonInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.downtimeReasons.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
  }));

  return { DowntimeCategory };
}
