import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { failureReportOf } from "../failures/graphql.ts";
import { ACTION_KINDS, ACTION_PRIORITIES, ACTION_STATUSES, type Action } from "./service.ts";

const LINK_ARGS = ["failureReportId", "toolId", "machineId", "repairId", "maintenanceLogId", "planId"] as const;

export function registerActionGraphql(builder: Builder, refs: Refs) {
  const ActionKind = builder.enumType("ActionKind", { values: ACTION_KINDS });
  const ActionPriority = builder.enumType("ActionPriority", { values: ACTION_PRIORITIES });
  const ActionStatus = builder.enumType("ActionStatus", { values: ACTION_STATUSES });

  refs.Action.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      title: t.exposeString("title"),
      description: t.exposeString("description", { nullable: true }),
      kind: t.exposeString("kind"),
      priority: t.exposeString("priority"),
      assigneeId: t.id({ nullable: true, resolve: (a) => a.assignee_id }),
      assignee: t.field({
        type: refs.Person,
        nullable: true,
        description: "Who the action is assigned to, by name (for anyone who can read the action)",
        resolve: (a, _args, context) =>
          a.assignee_id
            ? loader(context, "person", (ids) => context.services.users.peopleByIds(ids)).load(a.assignee_id)
            : null,
      }),
      dueDate: t.string({ nullable: true, resolve: (a) => a.due_date }),
      status: t.exposeString("status"),
      overdue: t.exposeBoolean("overdue"),
      startedAt: t.string({ nullable: true, resolve: (a) => a.started_at }),
      completedAt: t.string({ nullable: true, resolve: (a) => a.completed_at }),
      completedBy: t.id({ nullable: true, resolve: (a) => a.completed_by }),
      completionNote: t.string({ nullable: true, resolve: (a) => a.completion_note }),
      verifiedAt: t.string({ nullable: true, resolve: (a) => a.verified_at }),
      verifiedBy: t.id({ nullable: true, resolve: (a) => a.verified_by }),
      cancelledAt: t.string({ nullable: true, resolve: (a) => a.cancelled_at }),
      failureReportId: t.id({ nullable: true, resolve: (a) => a.failure_report_id }),
      failureReport: t.field({
        type: refs.FailureReport,
        nullable: true,
        resolve: (a, _args, context) => (a.failure_report_id ? failureReportOf(context, a.failure_report_id) : null),
      }),
      toolId: t.id({ nullable: true, resolve: (a) => a.tool_id }),
      tool: t.field({
        type: refs.Tool,
        nullable: true,
        resolve: (a, _args, context) =>
          a.tool_id
            ? loader(context, "tool", (ids) => context.services.tools.byIds(context.ctx, ids)).load(a.tool_id)
            : null,
      }),
      machineId: t.id({ nullable: true, resolve: (a) => a.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (a, _args, context) =>
          a.machine_id
            ? loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
                a.machine_id,
              )
            : null,
      }),
      repairId: t.id({ nullable: true, resolve: (a) => a.repair_id }),
      maintenanceLogId: t.id({ nullable: true, resolve: (a) => a.maintenance_log_id }),
      planId: t.id({ nullable: true, resolve: (a) => a.plan_id }),
      createdBy: t.id({ nullable: true, resolve: (a) => a.created_by }),
      createdAt: t.string({ resolve: (a) => a.created_at }),
      updatedAt: t.string({ resolve: (a) => a.updated_at }),
    }),
  });
  const ActionConnection = connectionType(builder, "Action", refs.Action);

  builder.objectFields(refs.FailureReport, (t) => ({
    actions: t.field({
      type: [refs.Action],
      description: "All actions of the report, newest first (one query for all reports of a request).",
      resolve: async (r, _args, context) => {
        const group = await loader(
          context,
          "actionsOfFailureReport",
          async (ids) => {
            const byReport = new Map<string, Action[]>();
            for (const a of await context.services.actions.ofFailureReports(context.ctx, ids)) {
              const list = byReport.get(a.failure_report_id!) ?? [];
              list.push(a);
              byReport.set(a.failure_report_id!, list);
            }
            return [...byReport].map(([reportId, items]) => ({ reportId, items }));
          },
          (g) => g.reportId,
        ).load(r.id);
        return group?.items ?? [];
      },
    }),
  }));

  const editable = (t: Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0]) => ({
    description: t.string(),
    kind: t.field({ type: ActionKind }),
    priority: t.field({ type: ActionPriority }),
    assigneeId: t.id(),
    dueDate: t.string(),
    allowPastDue: t.boolean(),
    ...Object.fromEntries(LINK_ARGS.map((k) => [k, t.id()])),
  });
  const CreateActionInput = builder.inputType("CreateActionInput", {
    fields: (t) => ({ title: t.string({ required: true }), ...editable(t) }),
  });
  const UpdateActionInput = builder.inputType("UpdateActionInput", {
    fields: (t) => ({ title: t.string(), ...editable(t) }),
  });

  builder.queryFields((t) => ({
    actions: t.field({
      type: ActionConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        mine: t.arg.boolean(),
        overdue: t.arg.boolean(),
        status: t.arg({ type: ActionStatus }),
        kind: t.arg({ type: ActionKind }),
        priority: t.arg({ type: ActionPriority }),
        assigneeId: t.arg.id(),
        failureReportId: t.arg.id(),
        toolId: t.arg.id(),
        machineId: t.arg.id(),
        repairId: t.arg.id(),
        maintenanceLogId: t.arg.id(),
        planId: t.arg.id(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.actions.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    action: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.actions.get(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createAction: t.field({
      type: refs.Action,
      args: { input: t.arg({ type: CreateActionInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.actions.create(ctx, toSnakeCase(args.input)),
    }),
    updateAction: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateActionInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.actions.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    startAction: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.actions.move(ctx, String(args.id), "start", {}),
    }),
    completeAction: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }), completionNote: t.arg.string({ required: true }) },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.actions.move(ctx, String(id), "complete", toSnakeCase(input)),
    }),
    verifyAction: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }), note: t.arg.string() },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.actions.move(ctx, String(id), "verify", toSnakeCase(withoutNulls(input))),
    }),
    reopenAction: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.actions.move(ctx, String(id), "reopen", toSnakeCase(withoutNulls(input))),
    }),
    cancelAction: t.field({
      type: refs.Action,
      args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.actions.move(ctx, String(id), "cancel", toSnakeCase(withoutNulls(input))),
    }),
  }));
}
