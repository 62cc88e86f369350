import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { SHOT_SOURCES, type ShotEntry } from "../shots/service.ts";
import { TOOL_STATUSES, type Tool, type ToolMount } from "./service.ts";

/**
 * Tools, mounts and shot entries. Shot counts are `Float` in GraphQL: they can pass 2^31, the
 * limit of `Int`, and a Float holds whole numbers exactly up to 2^53.
 */
export function registerToolGraphql(builder: Builder, refs: Refs) {
  const ToolStatus = builder.enumType("ToolStatus", { values: TOOL_STATUSES });
  const ShotSource = builder.enumType("ShotSource", { values: SHOT_SOURCES });

  const ShotEntryType = builder.objectRef<ShotEntry>("ShotEntry").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      toolId: t.id({ resolve: (e) => e.tool_id }),
      machineId: t.id({ nullable: true, resolve: (e) => e.machine_id }),
      delta: t.exposeFloat("delta"),
      total: t.float({ nullable: true, resolve: (e) => e.total }),
      counterReset: t.boolean({ resolve: (e) => e.counter_reset }),
      source: t.exposeString("source"),
      recordedAt: t.string({ resolve: (e) => e.recorded_at }),
      externalId: t.string({ nullable: true, resolve: (e) => e.external_id }),
      createdBy: t.id({ nullable: true, resolve: (e) => e.created_by }),
      createdAt: t.string({ resolve: (e) => e.created_at }),
    }),
  });
  const ShotEntryConnection = connectionType(builder, "ShotEntry", ShotEntryType);

  const machineOf = (context: Parameters<typeof loader>[0], id: string) =>
    loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(id);

  const ToolMountType = builder.objectRef<ToolMount>("ToolMount").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      toolId: t.id({ resolve: (m) => m.tool_id }),
      machineId: t.id({ resolve: (m) => m.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (m, _a, context) => machineOf(context, m.machine_id),
      }),
      mountedAt: t.string({ resolve: (m) => m.mounted_at }),
      unmountedAt: t.string({ nullable: true, resolve: (m) => m.unmounted_at }),
      mountedBy: t.id({ nullable: true, resolve: (m) => m.mounted_by }),
      unmountedBy: t.id({ nullable: true, resolve: (m) => m.unmounted_by }),
    }),
  });

  const ToolType = refs.Tool.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      assetNumber: t.string({ resolve: (x) => x.asset_number }),
      name: t.exposeString("name"),
      partNumber: t.string({ nullable: true, resolve: (x) => x.part_number }),
      description: t.exposeString("description", { nullable: true }),
      manufacturer: t.exposeString("manufacturer", { nullable: true }),
      cavityCount: t.int({ resolve: (x) => x.cavity_count }),
      activeCavities: t.int({ nullable: true, resolve: (x) => x.active_cavities }),
      status: t.exposeString("status"),
      location: t.exposeString("location", { nullable: true }),
      machineId: t.id({ nullable: true, resolve: (x) => x.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (x, _a, context) => (x.machine_id ? machineOf(context, x.machine_id) : null),
      }),
      ratedLifeShots: t.float({ nullable: true, resolve: (x) => x.rated_life_shots }),
      lifetimeShots: t.float({ resolve: (x) => Number(x.lifetime_shots) }),
      retiredAt: t.string({ nullable: true, resolve: (x) => x.retired_at }),
      createdAt: t.string({ resolve: (x) => x.created_at }),
      updatedAt: t.string({ resolve: (x) => x.updated_at }),
      shotEntries: t.field({
        type: ShotEntryConnection,
        args: { first: t.arg.int(), after: t.arg.string(), from: t.arg.string(), to: t.arg.string() },
        resolve: (x, { first, after, ...filter }, { ctx, services }) =>
          services.shots.list(ctx, x.id, { ...pageArgs({ first, after }), ...withoutNulls(filter) }),
      }),
      mounts: t.field({
        type: [ToolMountType],
        resolve: (x, _a, { ctx, services }) => services.tools.mounts(ctx, { toolId: x.id }),
      }),
    }),
  });
  const ToolConnection = connectionType(builder, "Tool", ToolType);

  builder.objectFields(refs.Machine, (t) => ({
    mountedTool: t.field({
      type: ToolType,
      nullable: true,
      resolve: (m, _a, context) =>
        loader(
          context,
          "mountedTool",
          (ids) => context.services.tools.mountedOn(context.ctx, ids),
          (tool: Tool) => tool.machine_id!,
        ).load(m.id),
    }),
  }));

  const toolFields = (t: Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0]) => ({
    partNumber: t.string(),
    description: t.string(),
    manufacturer: t.string(),
    activeCavities: t.int(),
    location: t.string(),
    ratedLifeShots: t.float(),
  });
  const CreateToolInput = builder.inputType("CreateToolInput", {
    fields: (t) => ({
      assetNumber: t.string({ required: true }),
      name: t.string({ required: true }),
      cavityCount: t.int({ required: true }),
      status: t.field({ type: ToolStatus }),
      lifetimeShots: t.float(),
      ...toolFields(t),
    }),
  });
  const UpdateToolInput = builder.inputType("UpdateToolInput", {
    fields: (t) => ({
      assetNumber: t.string(),
      name: t.string(),
      cavityCount: t.int(),
      status: t.field({ type: ToolStatus }),
      ...toolFields(t),
    }),
  });
  const RecordShotsInput = builder.inputType("RecordShotsInput", {
    fields: (t) => ({
      count: t.float(),
      total: t.float(),
      source: t.field({ type: ShotSource }),
      recordedAt: t.string(),
      externalId: t.string(),
    }),
  });

  builder.queryFields((t) => ({
    tools: t.field({
      type: ToolConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        q: t.arg.string(),
        location: t.arg.string({ description: "Part of the location, any case" }),
        status: t.arg({ type: ToolStatus }),
        machineId: t.arg.id(),
        mounted: t.arg.boolean(),
        includeRetired: t.arg.boolean(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.tools.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    tool: t.field({
      type: ToolType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.tools.get(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createTool: t.field({
      type: ToolType,
      args: { input: t.arg({ type: CreateToolInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.tools.create(ctx, toSnakeCase(args.input)),
    }),
    updateTool: t.field({
      type: ToolType,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateToolInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.tools.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    retireTool: t.field({
      type: ToolType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.tools.retire(ctx, String(args.id)),
    }),
    mountTool: t.field({
      type: ToolType,
      args: { id: t.arg.id({ required: true }), machineId: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.tools.mount(ctx, String(args.id), { machine_id: String(args.machineId) }),
    }),
    unmountTool: t.field({
      type: ToolType,
      args: { id: t.arg.id({ required: true }), location: t.arg.string() },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.tools.unmount(ctx, String(id), withoutNulls(input)),
    }),
    recordShots: t.field({
      type: ShotEntryType,
      args: { toolId: t.arg.id({ required: true }), input: t.arg({ type: RecordShotsInput, required: true }) },
      resolve: async (_root, args, { ctx, services }) =>
        (await services.shots.record(ctx, String(args.toolId), toSnakeCase(args.input))).entry,
    }),
  }));
}
