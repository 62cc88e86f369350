import {
  connectionType,
  pageArgs,
  toSnakeCase,
  withoutNulls,
  type Builder,
  type GraphQLContext,
} from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import type { ChecklistTemplate } from "../checklists/service.ts";
import type { LogResult } from "./results.ts";
import { LOG_KINDS, LOG_STATUSES, type ActionRequest, type SparePart } from "./service.ts";

export function registerMaintenanceLogGraphql(builder: Builder, refs: Refs) {
  const LogKind = builder.enumType("MaintenanceLogKind", { values: LOG_KINDS });
  const LogStatus = builder.enumType("MaintenanceLogStatus", { values: LOG_STATUSES });

  const ResultType = builder.objectRef<LogResult>("MaintenanceLogResult").implement({
    fields: (t) => ({
      stepId: t.id({ resolve: (r) => r.step_id }),
      value: t.field({
        type: "JSON",
        nullable: true,
        description: "Boolean (check, pass_fail), number, text or a photo id, as the step's kind says",
        resolve: (r) => r.value,
      }),
      passed: t.boolean({ nullable: true, resolve: (r) => r.passed }),
      note: t.exposeString("note", { nullable: true }),
    }),
  });
  const SparePartType = builder.objectRef<SparePart>("SparePart").implement({
    fields: (t) => ({ part: t.exposeString("part"), quantity: t.exposeFloat("quantity") }),
  });
  const ActionRequestType = builder.objectRef<ActionRequest>("MaintenanceActionRequest").implement({
    description: "A failed step or a follow-up flag waiting to become an action",
    fields: (t) => ({
      id: t.exposeID("id"),
      reason: t.exposeString("reason"),
      stepId: t.id({ nullable: true, resolve: (r) => r.step_id }),
      title: t.exposeString("title"),
      note: t.exposeString("note", { nullable: true }),
      actionId: t.id({ nullable: true, resolve: (r) => r.action_id }),
      createdAt: t.string({ resolve: (r) => r.created_at }),
    }),
  });

  const templateOf = (context: GraphQLContext, id: string, version: number) =>
    loader(
      context,
      "checklistTemplateVersion",
      (keys) =>
        context.services.checklists.byVersions(
          context.ctx,
          keys.map((key) => {
            const at = key.lastIndexOf("@");
            return { id: key.slice(0, at), version: Number(key.slice(at + 1)) };
          }),
        ),
      (template: ChecklistTemplate) => `${template.id}@${template.version}`,
    ).load(`${id}@${version}`);

  refs.MaintenanceLog.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      toolId: t.id({ nullable: true, resolve: (l) => l.tool_id }),
      tool: t.field({
        type: refs.Tool,
        nullable: true,
        resolve: (l, _a, context) =>
          l.tool_id
            ? loader(context, "tool", (ids) => context.services.tools.byIds(context.ctx, ids)).load(l.tool_id)
            : null,
      }),
      machineId: t.id({ nullable: true, resolve: (l) => l.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (l, _a, context) =>
          l.machine_id
            ? loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
                l.machine_id,
              )
            : null,
      }),
      planId: t.id({ nullable: true, resolve: (l) => l.plan_id }),
      templateId: t.id({ nullable: true, resolve: (l) => l.template_id }),
      templateVersion: t.int({ nullable: true, resolve: (l) => l.template_version }),
      template: t.field({
        type: refs.ChecklistTemplate,
        nullable: true,
        description: "The checklist in the version this log used",
        resolve: (l, _a, context) =>
          l.template_id && l.template_version ? templateOf(context, l.template_id, l.template_version) : null,
      }),
      kind: t.exposeString("kind"),
      performedBy: t.id({ resolve: (l) => l.performed_by }),
      performedAt: t.string({ resolve: (l) => l.performed_at }),
      durationMinutes: t.int({ nullable: true, resolve: (l) => l.duration_minutes }),
      shotsAt: t.float({ nullable: true, resolve: (l) => l.shots_at }),
      results: t.field({ type: [ResultType], resolve: (l) => l.results }),
      observations: t.exposeString("observations", { nullable: true }),
      spareParts: t.field({ type: [SparePartType], resolve: (l) => l.spare_parts }),
      cleaningAgents: t.string({ nullable: true, resolve: (l) => l.cleaning_agents }),
      followUpRequired: t.boolean({ resolve: (l) => l.follow_up_required }),
      status: t.exposeString("status"),
      completedAt: t.string({ nullable: true, resolve: (l) => l.completed_at }),
      signedBy: t.id({ nullable: true, resolve: (l) => l.signed_by }),
      signedAt: t.string({ nullable: true, resolve: (l) => l.signed_at }),
      createdBy: t.id({ resolve: (l) => l.created_by }),
      createdAt: t.string({ resolve: (l) => l.created_at }),
      updatedAt: t.string({ resolve: (l) => l.updated_at }),
      actionRequests: t.field({ type: [ActionRequestType], resolve: (l) => l.action_requests }),
    }),
  });
  const LogConnection = connectionType(builder, "MaintenanceLog", refs.MaintenanceLog);

  const ResultInput = builder.inputType("MaintenanceLogResultInput", {
    fields: (t) => ({
      stepId: t.id({ required: true }),
      value: t.field({ type: "JSON", description: "Boolean, number, text or photo id, by the step's kind" }),
      passed: t.boolean(),
      note: t.string(),
    }),
  });
  const SparePartInput = builder.inputType("SparePartInput", {
    fields: (t) => ({ part: t.string({ required: true }), quantity: t.float({ required: true }) }),
  });
  const logInputFields = (t: Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0]) => ({
    planId: t.id(),
    templateId: t.id(),
    templateVersion: t.int(),
    performedBy: t.id(),
    performedAt: t.string(),
    durationMinutes: t.int(),
    results: t.field({ type: [ResultInput] }),
    observations: t.string(),
    spareParts: t.field({ type: [SparePartInput] }),
    cleaningAgents: t.string(),
    followUpRequired: t.boolean(),
    status: t.field({ type: LogStatus, description: "completed completes the log; signing is signMaintenanceLog" }),
  });
  const CreateInput = builder.inputType("CreateMaintenanceLogInput", {
    fields: (t) => ({
      toolId: t.id(),
      machineId: t.id(),
      kind: t.field({ type: LogKind, required: true }),
      ...logInputFields(t),
    }),
  });
  const UpdateInput = builder.inputType("UpdateMaintenanceLogInput", {
    fields: (t) => ({ kind: t.field({ type: LogKind }), ...logInputFields(t) }),
  });
  /** camelCase inside the lists too (results' stepId). */
  const serviceInput = (input: Record<string, unknown>) => {
    const out = toSnakeCase(input);
    if (Array.isArray(out.results)) out.results = out.results.map((r) => toSnakeCase(r as Record<string, unknown>));
    return out;
  };

  builder.queryFields((t) => ({
    maintenanceLogs: t.field({
      type: LogConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        toolId: t.arg.id(),
        machineId: t.arg.id(),
        planId: t.arg.id(),
        status: t.arg({ type: LogStatus }),
        kind: t.arg({ type: LogKind }),
        from: t.arg.string(),
        to: t.arg.string(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.maintenanceLogs.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    maintenanceLog: t.field({
      type: refs.MaintenanceLog,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.maintenanceLogs.get(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createMaintenanceLog: t.field({
      type: refs.MaintenanceLog,
      args: { input: t.arg({ type: CreateInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.maintenanceLogs.create(ctx, serviceInput(args.input)),
    }),
    updateMaintenanceLog: t.field({
      type: refs.MaintenanceLog,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.maintenanceLogs.update(ctx, String(args.id), serviceInput(args.input)),
    }),
    signMaintenanceLog: t.field({
      type: refs.MaintenanceLog,
      description: "Signs a completed log with the caller's password; the log is frozen afterwards",
      args: { id: t.arg.id({ required: true }), password: t.arg.string({ required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.maintenanceLogs.sign(ctx, String(args.id), { password: args.password }),
    }),
  }));
}
