import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { REPAIR_KINDS, REPAIR_STATUSES } from "./service.ts";

export function registerRepairGraphql(builder: Builder, refs: Refs) {
  const RepairKind = builder.enumType("RepairKind", { values: REPAIR_KINDS });
  const RepairStatus = builder.enumType("RepairStatus", { values: REPAIR_STATUSES });

  const repairOf = (context: Parameters<typeof loader>[0], id: string) =>
    loader(context, "repair", (ids) => context.services.repairs.byIds(context.ctx, ids)).load(id);

  refs.Repair.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      machineId: t.id({ resolve: (r) => r.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (r, _args, context) =>
          loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
            r.machine_id,
          ),
      }),
      lineId: t.id({ resolve: (r) => r.line_id }),
      kind: t.exposeString("kind"),
      status: t.exposeString("status"),
      startDatetime: t.string({ resolve: (r) => r.start_datetime }),
      endDatetime: t.string({ nullable: true, resolve: (r) => r.end_datetime }),
      title: t.exposeString("title"),
      description: t.exposeString("description", { nullable: true }),
      cause: t.exposeString("cause", { nullable: true }),
      actionsTaken: t.string({ nullable: true, resolve: (r) => r.actions_taken }),
      partsUsed: t.string({ nullable: true, resolve: (r) => r.parts_used }),
      cost: t.float({ nullable: true, resolve: (r) => r.cost }),
      failureCodeId: t.id({ nullable: true, resolve: (r) => r.failure_code_id }),
      downtimeId: t.id({ nullable: true, resolve: (r) => r.downtime_id }),
      downtime: t.field({
        type: refs.Downtime,
        nullable: true,
        resolve: (r, _args, context) =>
          r.downtime_id
            ? loader(context, "downtime", (ids) => context.services.downtimes.byIds(context.ctx, ids)).load(
                r.downtime_id,
              )
            : null,
      }),
      performedBy: t.id({ nullable: true, resolve: (r) => r.performed_by }),
      createdBy: t.id({ nullable: true, resolve: (r) => r.created_by }),
      createdAt: t.string({ resolve: (r) => r.created_at }),
      updatedAt: t.string({ resolve: (r) => r.updated_at }),
    }),
  });
  const RepairConnection = connectionType(builder, "Repair", refs.Repair);

  builder.objectFields(refs.Downtime, (t) => ({
    repair: t.field({
      type: refs.Repair,
      nullable: true,
      resolve: (d, _args, context) => (d.repair_id ? repairOf(context, d.repair_id) : null),
    }),
  }));

  const textFields = ["description", "cause", "actionsTaken", "partsUsed"] as const;
  const CreateRepairInput = builder.inputType("CreateRepairInput", {
    fields: (t) => ({
      machineId: t.id({ required: true }),
      lineId: t.id(),
      kind: t.field({ type: RepairKind }),
      status: t.field({ type: RepairStatus }),
      startDatetime: t.string(),
      endDatetime: t.string(),
      title: t.string({ required: true }),
      ...Object.fromEntries(textFields.map((k) => [k, t.string()])),
      cost: t.float(),
      failureCodeId: t.id(),
      downtimeId: t.id(),
      performedBy: t.id(),
    }),
  });
  const UpdateRepairInput = builder.inputType("UpdateRepairInput", {
    fields: (t) => ({
      kind: t.field({ type: RepairKind }),
      status: t.field({ type: RepairStatus }),
      startDatetime: t.string(),
      endDatetime: t.string(),
      title: t.string(),
      ...Object.fromEntries(textFields.map((k) => [k, t.string()])),
      cost: t.float(),
      failureCodeId: t.id(),
      downtimeId: t.id(),
      performedBy: t.id(),
    }),
  });

  builder.queryFields((t) => ({
    repairs: t.field({
      type: RepairConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        machineId: t.arg.id(),
        lineId: t.arg.id(),
        status: t.arg({ type: RepairStatus }),
        kind: t.arg({ type: RepairKind }),
        q: t.arg.string(),
        from: t.arg.string(),
        to: t.arg.string(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.repairs.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    repair: t.field({
      type: refs.Repair,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.repairs.get(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createRepair: t.field({
      type: refs.Repair,
      args: { input: t.arg({ type: CreateRepairInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.repairs.create(ctx, toSnakeCase(args.input)),
    }),
    updateRepair: t.field({
      type: refs.Repair,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateRepairInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.repairs.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    closeRepair: t.field({
      type: refs.Repair,
      args: { id: t.arg.id({ required: true }), endDatetime: t.arg.string() },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.repairs.close(ctx, String(id), toSnakeCase(withoutNulls(input))),
    }),
  }));
}
