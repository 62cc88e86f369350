import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { GraphQLContext } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import { REPORT_STATUSES, ROOT_CAUSE_CATEGORIES, SEVERITIES, type FailureCode } from "./service.ts";

export function failureReportOf(context: GraphQLContext, id: string) {
  return loader(context, "failureReport", (ids) => context.services.failures.reportsByIds(context.ctx, ids)).load(id);
}

export function registerFailureGraphql(builder: Builder, refs: Refs) {
  const Severity = builder.enumType("FailureSeverity", { values: SEVERITIES });
  const RootCauseCategory = builder.enumType("RootCauseCategory", { values: ROOT_CAUSE_CATEGORIES });
  const ReportStatus = builder.enumType("FailureReportStatus", { values: REPORT_STATUSES });

  const FailureCodeType = builder.objectRef<FailureCode>("FailureCode").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      code: t.exposeString("code"),
      name: t.exposeString("name"),
      description: t.exposeString("description", { nullable: true }),
      category: t.exposeString("category", { nullable: true }),
      defaultSeverity: t.string({ nullable: true, resolve: (c) => c.default_severity }),
      active: t.exposeBoolean("active"),
      createdAt: t.string({ resolve: (c) => c.created_at }),
      updatedAt: t.string({ resolve: (c) => c.updated_at }),
    }),
  });

  refs.FailureReport.implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      toolId: t.id({ nullable: true, resolve: (r) => r.tool_id }),
      tool: t.field({
        type: refs.Tool,
        nullable: true,
        resolve: (r, _a, context) =>
          r.tool_id
            ? loader(context, "tool", (ids) => context.services.tools.byIds(context.ctx, ids)).load(r.tool_id)
            : null,
      }),
      machineId: t.id({ nullable: true, resolve: (r) => r.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (r, _a, context) =>
          r.machine_id
            ? loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
                r.machine_id,
              )
            : null,
      }),
      failureCodeId: t.id({ resolve: (r) => r.failure_code_id }),
      failureCode: t.field({
        type: FailureCodeType,
        nullable: true,
        resolve: (r, _a, context) =>
          loader(context, "failureCode", (ids) => context.services.failures.codesByIds(context.ctx, ids)).load(
            r.failure_code_id,
          ),
      }),
      severity: t.exposeString("severity"),
      occurredAt: t.string({ resolve: (r) => r.occurred_at }),
      description: t.exposeString("description", { nullable: true }),
      affectedComponents: t.stringList({ resolve: (r) => r.affected_components }),
      impactedPartNumbers: t.stringList({ resolve: (r) => r.impacted_part_numbers }),
      containmentAction: t.string({ nullable: true, resolve: (r) => r.containment_action }),
      rootCause: t.string({ nullable: true, resolve: (r) => r.root_cause }),
      rootCauseCategory: t.string({ nullable: true, resolve: (r) => r.root_cause_category }),
      status: t.exposeString("status"),
      shotsAt: t.float({ nullable: true, resolve: (r) => r.shots_at }),
      reportedBy: t.id({ resolve: (r) => r.reported_by }),
      closedAt: t.string({ nullable: true, resolve: (r) => r.closed_at }),
      createdAt: t.string({ resolve: (r) => r.created_at }),
      updatedAt: t.string({ resolve: (r) => r.updated_at }),
    }),
  });
  const FailureReportConnection = connectionType(builder, "FailureReport", refs.FailureReport);

  const CreateFailureCodeInput = builder.inputType("CreateFailureCodeInput", {
    fields: (t) => ({
      code: t.string({ required: true }),
      name: t.string({ required: true }),
      description: t.string(),
      category: t.string({ required: true }),
      defaultSeverity: t.field({ type: Severity }),
      active: t.boolean(),
    }),
  });
  const UpdateFailureCodeInput = builder.inputType("UpdateFailureCodeInput", {
    fields: (t) => ({
      code: t.string(),
      name: t.string(),
      description: t.string(),
      category: t.string(),
      defaultSeverity: t.field({ type: Severity }),
      active: t.boolean(),
    }),
  });
  const reportFields = (t: Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0]) => ({
    severity: t.field({ type: Severity }),
    occurredAt: t.string(),
    description: t.string(),
    affectedComponents: t.stringList(),
    impactedPartNumbers: t.stringList(),
    containmentAction: t.string(),
    rootCause: t.string(),
    rootCauseCategory: t.field({ type: RootCauseCategory }),
    status: t.field({ type: ReportStatus }),
    shotsAt: t.float(),
  });
  const ReportFailureInput = builder.inputType("ReportFailureInput", {
    fields: (t) => ({
      toolId: t.id(),
      machineId: t.id(),
      failureCodeId: t.id({ required: true }),
      ...reportFields(t),
    }),
  });
  const UpdateFailureReportInput = builder.inputType("UpdateFailureReportInput", {
    fields: (t) => ({ failureCodeId: t.id(), ...reportFields(t) }),
  });

  builder.queryFields((t) => ({
    failureCodes: t.field({
      type: [FailureCodeType],
      args: { category: t.arg.string(), active: t.arg.boolean(), q: t.arg.string() },
      resolve: async (_root, args, { ctx, services }) =>
        (await services.failures.listCodes(ctx, withoutNulls(args))).items,
    }),
    failureCode: t.field({
      type: FailureCodeType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.failures.getCode(ctx, String(args.id)),
    }),
    failureReports: t.field({
      type: FailureReportConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        toolId: t.arg.id(),
        machineId: t.arg.id(),
        failureCodeId: t.arg.id(),
        status: t.arg({ type: ReportStatus }),
        severity: t.arg({ type: Severity }),
        from: t.arg.string(),
        to: t.arg.string(),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.failures.listReports(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(filter)) }),
    }),
    failureReport: t.field({
      type: refs.FailureReport,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.failures.getReport(ctx, String(args.id)),
    }),
  }));

  builder.mutationFields((t) => ({
    createFailureCode: t.field({
      type: FailureCodeType,
      args: { input: t.arg({ type: CreateFailureCodeInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.failures.createCode(ctx, toSnakeCase(args.input)),
    }),
    updateFailureCode: t.field({
      type: FailureCodeType,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateFailureCodeInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.failures.updateCode(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    reportFailure: t.field({
      type: refs.FailureReport,
      args: { input: t.arg({ type: ReportFailureInput, required: true }) },
      resolve: (_root, args, { ctx, services }) => services.failures.createReport(ctx, toSnakeCase(args.input)),
    }),
    updateFailureReport: t.field({
      type: refs.FailureReport,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateFailureReportInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.failures.updateReport(ctx, String(args.id), toSnakeCase(args.input)),
    }),
  }));

  return { FailureCodeType };
}
