import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import type { registerDowntimeReasonGraphql } from "../downtime-reasons/graphql.ts";
import { DOWNTIME_SOURCES, type Downtime } from "./service.ts";

export function registerDowntimeGraphql(
  builder: Builder,
  refs: Refs,
  { DowntimeCategory }: ReturnType<typeof registerDowntimeReasonGraphql>,
) {
  const DowntimeSource = builder.enumType("DowntimeSource", { values: DOWNTIME_SOURCES });

  refs.Downtime.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      machineId: t.id({ resolve: (d) => d.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (d, _args, context) =>
          loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
            d.machine_id,
          ),
      }),
      lineId: t.id({ resolve: (d) => d.line_id }),
      line: t.field({
        type: refs.Line,
        nullable: true,
        resolve: (d, _args, context) =>
          loader(context, "line", (ids) => context.services.plant.linesByIds(context.ctx, ids)).load(d.line_id),
      }),
      startDatetime: t.string({ resolve: (d) => d.start_datetime }),
      endDatetime: t.string({ nullable: true, resolve: (d) => d.end_datetime }),
      durationMinutes: t.float({ nullable: true, resolve: (d) => d.duration_minutes }),
      ongoing: t.exposeBoolean("ongoing"),
      category: t.exposeString("category"),
      reasonId: t.id({ nullable: true, resolve: (d) => d.reason_id }),
      reason: t.field({
        type: refs.DowntimeReason,
        nullable: true,
        resolve: (d, _args, context) =>
          d.reason_id
            ? loader(context, "downtimeReason", (ids) => context.services.downtimeReasons.byIds(context.ctx, ids)).load(
                d.reason_id,
              )
            : null,
      }),
      note: t.exposeString("note", { nullable: true }),
      source: t.exposeString("source"),
      repairId: t.id({ nullable: true, resolve: (d) => d.repair_id }),
      createdBy: t.id({ nullable: true, resolve: (d) => d.created_by }),
      createdAt: t.string({ resolve: (d) => d.created_at }),
      updatedAt: t.string({ resolve: (d) => d.updated_at }),
    }),
  });
  const DowntimeConnection = connectionType(builder, "Downtime", refs.Downtime);

  builder.objectFields(refs.Machine, (t) => ({
    currentDowntime: t.field({
      type: refs.Downtime,
      nullable: true,
      resolve: (m, _args, context) =>
        loader(
          context,
          "ongoingDowntime",
          (ids) => context.services.downtimes.ongoingOf(context.ctx, ids),
          (d: Downtime) => d.machine_id,
        ).load(m.id),
    }),
  }));

  const CreateDowntimeInput = builder.inputType("CreateDowntimeInput", {
    fields: (t) => ({
      machineId: t.id({ required: true }),
      lineId: t.id(),
      startDatetime: t.string(),
      endDatetime: t.string(),
      durationMinutes: t.float(),
      category: t.field({ type: DowntimeCategory }),
      reasonId: t.id(),
      note: t.string(),
      source: t.field({ type: DowntimeSource }),
    }),
  });
  const UpdateDowntimeInput = builder.inputType("UpdateDowntimeInput", {
    fields: (t) => ({
      startDatetime: t.string(),
      endDatetime: t.string(),
      durationMinutes: t.float(),
      category: t.field({ type: DowntimeCategory }),
      reasonId: t.id(),
      note: t.string(),
      repairId: t.id(),
    }),
  });

  builder.queryFields((t) => ({
    downtimes: t.field({
      type: DowntimeConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        machineId: t.arg.id(),
        lineId: t.arg.id(),
        category: t.arg({ type: DowntimeCategory }),
        reasonId: t.arg.id(),
        ongoing: t.arg.boolean(),
        from: t.arg.string(),
        to: t.arg.string(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.downtimes.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    downtime: t.field({
      type: refs.Downtime,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.downtimes.get(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createDowntime: t.field({
      type: refs.Downtime,
      args: { input: t.arg({ type: CreateDowntimeInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.downtimes.create(ctx, toSnakeCase(args.input)),
    }),
    updateDowntime: t.field({
      type: refs.Downtime,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateDowntimeInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.downtimes.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    endDowntime: t.field({
      type: refs.Downtime,
      args: {
        id: t.arg.id({ required: true }),
        endDatetime: t.arg.string(),
        reasonId: t.arg.id(),
        note: t.arg.string(),
      },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.downtimes.end(ctx, String(id), toSnakeCase(withoutNulls(input))),
    }),
    deleteDowntime: t.field({
      type: refs.Downtime,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.downtimes.delete(ctx, String(args.id)),
    }),
  }));
}
