import type { Builder, GraphQLContext } from "../../graphql/builder.ts";
import { toSnakeCase, withoutNulls } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { PLAN_STATUSES } from "./status.ts";
import { PLAN_ACTIVITIES, type Plan } from "./service.ts";

export function registerPlanGraphql(builder: Builder, refs: Refs) {
  const PlanActivity = builder.enumType("PlanActivity", { values: PLAN_ACTIVITIES });
  const PlanStatusEnum = builder.enumType("PlanStatus", { values: PLAN_STATUSES });

  const PlanType = builder.objectRef<Plan>("MaintenancePlan").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      toolId: t.id({ nullable: true, resolve: (p) => p.tool_id }),
      machineId: t.id({ nullable: true, resolve: (p) => p.machine_id }),
      name: t.exposeString("name"),
      activity: t.exposeString("activity"),
      intervalShots: t.float({ nullable: true, resolve: (p) => p.interval_shots }),
      intervalDays: t.int({ nullable: true, resolve: (p) => p.interval_days }),
      warnAtPercent: t.int({ resolve: (p) => p.warn_at_percent }),
      checklistTemplateId: t.id({ nullable: true, resolve: (p) => p.checklist_template_id }),
      active: t.exposeBoolean("active"),
      lastDoneAt: t.string({ resolve: (p) => p.last_done_at }),
      lastDoneShots: t.float({ resolve: (p) => p.last_done_shots }),
      status: t.exposeString("status"),
      usedShots: t.float({ nullable: true, resolve: (p) => p.used_shots }),
      remainingShots: t.float({ nullable: true, resolve: (p) => p.remaining_shots }),
      remainingDays: t.float({ nullable: true, resolve: (p) => p.remaining_days }),
      forecastDueDate: t.string({ nullable: true, resolve: (p) => p.forecast_due_date }),
      progress: t.exposeFloat("progress"),
      createdAt: t.string({ resolve: (p) => p.created_at }),
      updatedAt: t.string({ resolve: (p) => p.updated_at }),
      tool: t.field({
        type: refs.Tool,
        nullable: true,
        resolve: (p, _a, context) =>
          p.tool_id
            ? loader(context, "tool", (ids) => context.services.tools.byIds(context.ctx, ids)).load(p.tool_id)
            : null,
      }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (p, _a, context) =>
          p.machine_id
            ? loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
                p.machine_id,
              )
            : null,
      }),
    }),
  });

  /** All active plans of the tools in this request, in one query. */
  const plansOfTool = (context: GraphQLContext, toolId: string) =>
    loader(context, "toolPlans", async (ids) => {
      const plans = await context.services.plans.activeOfTools(context.ctx, ids);
      return ids.map((id) => ({ id, plans: plans.filter((p) => p.tool_id === id) }));
    })
      .load(toolId)
      .then((group) => group?.plans ?? []);

  builder.objectFields(refs.Tool, (t) => ({
    plans: t.field({ type: [PlanType], resolve: (tool, _a, context) => plansOfTool(context, tool.id) }),
  }));
  builder.objectFields(refs.Machine, (t) => ({
    plans: t.field({
      type: [PlanType],
      resolve: async (machine, _a, { ctx, services }) =>
        (await services.plans.listFor(ctx, { machine_id: machine.id }, {})).items,
    }),
  }));

  const planInputFields = (t: Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0]) => ({
    intervalShots: t.float(),
    intervalDays: t.int(),
    warnAtPercent: t.int(),
    checklistTemplateId: t.id(),
    active: t.boolean(),
  });
  const CreatePlanInput = builder.inputType("CreateMaintenancePlanInput", {
    fields: (t) => ({
      name: t.string({ required: true }),
      activity: t.field({ type: PlanActivity, required: true }),
      lastDoneAt: t.string(),
      lastDoneShots: t.float(),
      ...planInputFields(t),
    }),
  });
  const UpdatePlanInput = builder.inputType("UpdateMaintenancePlanInput", {
    fields: (t) => ({
      name: t.string(),
      activity: t.field({ type: PlanActivity }),
      ...planInputFields(t),
    }),
  });

  builder.queryFields((t) => ({
    maintenancePlans: t.field({
      type: [PlanType],
      description:
        "Active plans of all tools and machines in the given states (default warning, due, overdue), most urgent first; at most `first` (default 100, max 500)",
      args: { status: t.arg({ type: [PlanStatusEnum] }), first: t.arg.int() },
      resolve: (_root, { status, first }, { ctx, services }) =>
        services.plans.attention(ctx, withoutNulls({ status, limit: first })),
    }),
    maintenancePlan: t.field({
      type: PlanType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.plans.get(ctx, String(args.id)),
    }),
  }));
  builder.mutationFields((t) => ({
    createMaintenancePlan: t.field({
      type: PlanType,
      description: "A plan for a tool (toolId) or a machine (machineId)",
      args: { toolId: t.arg.id(), machineId: t.arg.id(), input: t.arg({ type: CreatePlanInput, required: true }) },
      resolve: (_root, { toolId, machineId, input }, { ctx, services }) =>
        services.plans.create(
          ctx,
          toolId ? { tool_id: String(toolId) } : { machine_id: String(machineId ?? "") },
          toSnakeCase(input),
        ),
    }),
    updateMaintenancePlan: t.field({
      type: PlanType,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePlanInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.plans.update(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    resetMaintenancePlan: t.field({
      type: PlanType,
      args: { id: t.arg.id({ required: true }), doneAt: t.arg.string() },
      resolve: (_root, { id, ...input }, { ctx, services }) =>
        services.plans.reset(ctx, String(id), toSnakeCase(withoutNulls(input))),
    }),
  }));
}
