import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { LINE_STATUSES, MACHINE_STATUSES } from "./service.ts";

export function registerPlantGraphql(builder: Builder, refs: Refs) {
  const LineStatus = builder.enumType("LineStatus", { values: LINE_STATUSES });
  const MachineStatus = builder.enumType("MachineStatus", { values: MACHINE_STATUSES });

  refs.Line.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      code: t.exposeString("code"),
      name: t.exposeString("name"),
      description: t.exposeString("description", { nullable: true }),
      status: t.exposeString("status"),
      active: t.exposeBoolean("active"),
      createdAt: t.string({ resolve: (l) => l.created_at }),
      updatedAt: t.string({ resolve: (l) => l.updated_at }),
    }),
  });
  refs.Machine.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      lineId: t.id({ resolve: (m) => m.line_id }),
      line: t.field({
        type: refs.Line,
        nullable: true,
        resolve: (m, _args, context) =>
          loader(context, "line", (ids) => context.services.plant.linesByIds(context.ctx, ids)).load(m.line_id),
      }),
      code: t.exposeString("code"),
      name: t.exposeString("name"),
      assetNumber: t.string({ nullable: true, resolve: (m) => m.asset_number }),
      manufacturer: t.exposeString("manufacturer", { nullable: true }),
      model: t.exposeString("model", { nullable: true }),
      serialNumber: t.string({ nullable: true, resolve: (m) => m.serial_number }),
      type: t.exposeString("type", { nullable: true }),
      status: t.exposeString("status"),
      notes: t.exposeString("notes", { nullable: true }),
      retiredAt: t.string({ nullable: true, resolve: (m) => m.retired_at }),
      createdAt: t.string({ resolve: (m) => m.created_at }),
      updatedAt: t.string({ resolve: (m) => m.updated_at }),
    }),
  });
  const LineConnection = connectionType(builder, "Line", refs.Line);
  const MachineConnection = connectionType(builder, "Machine", refs.Machine);

  const machineListArgs = (t: { arg: Parameters<Parameters<typeof builder.queryFields>[0]>[0]["arg"] }) => ({
    first: t.arg.int(),
    after: t.arg.string(),
    status: t.arg({ type: MachineStatus }),
    q: t.arg.string(),
    includeRetired: t.arg.boolean(),
  });

  builder.objectField(refs.Line, "machines", (t) =>
    t.field({
      type: MachineConnection,
      args: machineListArgs(t),
      resolve: (line, { first, after, ...filter }, { ctx, services }) =>
        services.plant.listMachines(ctx, {
          ...pageArgs({ first, after }),
          ...toSnakeCase(withoutNulls(filter)),
          line_id: line.id,
        }),
    }),
  );

  const CreateLineInput = builder.inputType("CreateLineInput", {
    fields: (t) => ({
      code: t.string({ required: true }),
      name: t.string({ required: true }),
      description: t.string(),
      status: t.field({ type: LineStatus }),
      active: t.boolean(),
    }),
  });
  const UpdateLineInput = builder.inputType("UpdateLineInput", {
    fields: (t) => ({
      code: t.string(),
      name: t.string(),
      description: t.string(),
      status: t.field({ type: LineStatus }),
      active: t.boolean(),
    }),
  });
  const machineInputFields = {
    name: "String",
    assetNumber: "String",
    manufacturer: "String",
    model: "String",
    serialNumber: "String",
    type: "String",
    notes: "String",
  } as const;
  const CreateMachineInput = builder.inputType("CreateMachineInput", {
    fields: (t) => ({
      lineId: t.id({ required: true }),
      code: t.string({ required: true }),
      ...Object.fromEntries(Object.keys(machineInputFields).map((k) => [k, t.string({ required: k === "name" })])),
      status: t.field({ type: MachineStatus }),
    }),
  });
  const UpdateMachineInput = builder.inputType("UpdateMachineInput", {
    fields: (t) => ({
      lineId: t.id(),
      code: t.string(),
      ...Object.fromEntries(Object.keys(machineInputFields).map((k) => [k, t.string()])),
      status: t.field({ type: MachineStatus }),
    }),
  });

  builder.queryFields((t) => ({
    lines: t.field({
      type: LineConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        status: t.arg({ type: LineStatus }),
        q: t.arg.string(),
        includeRetired: t.arg.boolean(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.plant.listLines(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    line: t.field({
      type: refs.Line,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.plant.getLine(ctx, String(args.id)),
    }),
    machines: t.field({
      type: MachineConnection,
      args: { ...machineListArgs(t), lineId: t.arg.id() },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.plant.listMachines(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    machine: t.field({
      type: refs.Machine,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.plant.getMachine(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createLine: t.field({
      type: refs.Line,
      args: { input: t.arg({ type: CreateLineInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.plant.createLine(ctx, toSnakeCase(args.input)),
    }),
    updateLine: t.field({
      type: refs.Line,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateLineInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.plant.updateLine(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    createMachine: t.field({
      type: refs.Machine,
      args: { input: t.arg({ type: CreateMachineInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.plant.createMachine(ctx, toSnakeCase(args.input)),
    }),
    updateMachine: t.field({
      type: refs.Machine,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateMachineInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.plant.updateMachine(ctx, String(args.id), toSnakeCase(args.input)),
    }),
  }));
}
