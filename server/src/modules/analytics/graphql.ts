import {
  connectionType,
  pageArgs,
  toCamelCase,
  toSnakeCase,
  withoutNulls,
  type Builder,
} from "../../graphql/builder.ts";
import type { Report, ReportSchedule } from "../reports/service.ts";
import type {
  ActionsAgeing,
  FailureTrendItem,
  FailureTrends,
  Kpis,
  MaintenanceCompliance,
  ParetoItem,
  SeriesPoint,
  SeriesResult,
  ToolUtilisation,
  TopTool,
} from "./service.ts";

type Scalar = "String" | "Int" | "Float" | "ID" | "Boolean";

/**
 * An object type whose camelCase fields read the snake_case keys of a service result (SPEC §1):
 * the analytics results are flat records, so their types are declared as key → scalar lists.
 */
function flatType<T extends object>(builder: Builder, name: string, fields: Record<string, Scalar | `${Scalar}?`>) {
  return builder.objectRef<T>(name).implement({
    fields: (t) =>
      Object.fromEntries(
        Object.entries(fields).map(([key, type]) => {
          const nullable = type.endsWith("?");
          return [
            toCamelCase(key),
            t.field({
              type: type.replace("?", "") as Scalar,
              nullable,
              resolve: (o) => (o as Record<string, unknown>)[key] as never,
            }),
          ];
        }),
      ),
  });
}

const KPI_FIELDS = {
  machines: "Int",
  period_minutes: "Float",
  planned_minutes: "Float",
  excluded_minutes: "Float",
  unplanned_minutes: "Float",
  planned_busy_minutes: "Float",
  failures: "Int",
  availability: "Float?",
  mttr_hours: "Float?",
  mtbf_hours: "Float?",
} as const;

export function registerAnalyticsGraphql(builder: Builder) {
  const KpisType = builder.objectRef<Kpis>("Kpis").implement({
    description: "SPEC §6 figures for a machine, a line or the plant over [from, to); definitions in docs/kpis.md",
    fields: (t) => ({
      from: t.exposeString("from"),
      to: t.exposeString("to"),
      machines: t.exposeInt("machines"),
      periodMinutes: t.float({ resolve: (k) => k.period_minutes }),
      plannedMinutes: t.float({ resolve: (k) => k.planned_minutes }),
      excludedMinutes: t.float({ resolve: (k) => k.excluded_minutes }),
      unplannedMinutes: t.float({ resolve: (k) => k.unplanned_minutes }),
      plannedBusyMinutes: t.float({ resolve: (k) => k.planned_busy_minutes }),
      failures: t.exposeInt("failures"),
      availability: t.float({ nullable: true, resolve: (k) => k.availability }),
      mttrHours: t.float({ nullable: true, resolve: (k) => k.mttr_hours }),
      mtbfHours: t.float({ nullable: true, resolve: (k) => k.mtbf_hours }),
    }),
  });
  const ParetoItemType = builder.objectRef<ParetoItem>("DowntimeParetoItem").implement({
    fields: (t) => ({
      reasonId: t.id({ nullable: true, resolve: (i) => i.reason_id }),
      reasonCode: t.string({ nullable: true, resolve: (i) => i.reason_code }),
      reasonName: t.string({ nullable: true, resolve: (i) => i.reason_name }),
      category: t.exposeString("category"),
      minutes: t.exposeFloat("minutes"),
      count: t.exposeInt("count"),
    }),
  });
  const ParetoType = builder.objectRef<{ items: ParetoItem[]; from: string; to: string }>("DowntimePareto").implement({
    fields: (t) => ({
      items: t.field({ type: [ParetoItemType], resolve: (p) => p.items }),
      from: t.exposeString("from"),
      to: t.exposeString("to"),
    }),
  });

  const SeriesPointType = flatType<SeriesPoint>(builder, "AnalyticsSeriesPoint", {
    bucket: "String",
    from: "String",
    to: "String",
    ...KPI_FIELDS,
  });
  const SeriesType = builder.objectRef<SeriesResult>("AnalyticsSeries").implement({
    fields: (t) => ({
      bucket: t.exposeString("bucket"),
      from: t.exposeString("from"),
      to: t.exposeString("to"),
      items: t.field({ type: [SeriesPointType], resolve: (s) => s.items }),
    }),
  });
  const TrendItemType = flatType<FailureTrendItem>(builder, "FailureTrendItem", {
    bucket: "String",
    failure_code_id: "ID",
    code: "String",
    name: "String",
    severity: "String",
    count: "Int",
  });
  const CodeCountType = flatType<FailureTrends["by_code"][number]>(builder, "FailureCodeCount", {
    failure_code_id: "ID",
    code: "String",
    name: "String",
    count: "Int",
  });
  const SeverityCountType = flatType<FailureTrends["by_severity"][number]>(builder, "FailureSeverityCount", {
    severity: "String",
    count: "Int",
  });
  const TrendsType = builder.objectRef<FailureTrends>("FailureTrends").implement({
    fields: (t) => ({
      bucket: t.exposeString("bucket"),
      from: t.exposeString("from"),
      to: t.exposeString("to"),
      items: t.field({ type: [TrendItemType], resolve: (s) => s.items }),
      byCode: t.field({ type: [CodeCountType], resolve: (s) => s.by_code }),
      bySeverity: t.field({ type: [SeverityCountType], resolve: (s) => s.by_severity }),
    }),
  });
  const UtilisationType = flatType<ToolUtilisation>(builder, "ToolUtilisation", {
    tool_id: "ID",
    asset_number: "String",
    name: "String",
    status: "String",
    mounted_minutes: "Float",
    running_minutes: "Float",
    utilisation: "Float?",
    shots: "Float",
    shots_per_day: "Float",
    rated_life_shots: "Float?",
    lifetime_shots: "Float",
    life_used: "Float?",
    days_to_rated_life: "Float?",
  });
  const UtilisationList = builder
    .objectRef<{ from: string; to: string; items: ToolUtilisation[] }>("ToolUtilisationList")
    .implement({
      fields: (t) => ({
        from: t.exposeString("from"),
        to: t.exposeString("to"),
        items: t.field({ type: [UtilisationType], resolve: (s) => s.items }),
      }),
    });
  const TopToolType = flatType<TopTool>(builder, "TopTool", {
    tool_id: "ID",
    asset_number: "String",
    name: "String",
    failures: "Int",
    shots: "Float",
    failures_per_100k_shots: "Float?",
    mtbf_shots: "Float?",
  });
  const TopToolsList = builder.objectRef<{ from: string; to: string; items: TopTool[] }>("TopToolList").implement({
    fields: (t) => ({
      from: t.exposeString("from"),
      to: t.exposeString("to"),
      items: t.field({ type: [TopToolType], resolve: (s) => s.items }),
    }),
  });
  const CYCLE_FIELDS = {
    judged: "Int",
    on_time: "Int",
    done_early: "Int",
    done_after_due: "Int",
    missed: "Int",
    pending: "Int",
    checklists_completed: "Int",
    checklists_on_time: "Int",
  } as const;
  const PlanComplianceType = flatType<MaintenanceCompliance["items"][number]>(builder, "PlanCompliance", {
    plan_id: "ID",
    name: "String",
    tool_id: "ID?",
    machine_id: "ID?",
    ...CYCLE_FIELDS,
  });
  const ComplianceType = builder.objectRef<MaintenanceCompliance>("MaintenanceCompliance").implement({
    fields: (t) => ({
      from: t.exposeString("from"),
      to: t.exposeString("to"),
      plans: t.exposeInt("plans"),
      judged: t.exposeInt("judged"),
      onTime: t.int({ resolve: (c) => c.on_time }),
      doneEarly: t.int({ resolve: (c) => c.done_early }),
      doneAfterDue: t.int({ resolve: (c) => c.done_after_due }),
      missed: t.exposeInt("missed"),
      pending: t.exposeInt("pending"),
      compliance: t.float({ nullable: true, resolve: (c) => c.compliance }),
      checklistsCompleted: t.int({ resolve: (c) => c.checklists_completed }),
      checklistsOnTime: t.int({ resolve: (c) => c.checklists_on_time }),
      checklistOnTimeRate: t.float({ nullable: true, resolve: (c) => c.checklist_on_time_rate }),
      items: t.field({ type: [PlanComplianceType], resolve: (c) => c.items }),
    }),
  });
  const BucketCountType = flatType<{ bucket: string; count: number }>(builder, "AgeBucketCount", {
    bucket: "String",
    count: "Int",
  });
  const PriorityCountType = flatType<ActionsAgeing["by_priority"][number]>(builder, "ActionPriorityCount", {
    priority: "String",
    outstanding: "Int",
    overdue: "Int",
  });
  const AgeingType = builder.objectRef<ActionsAgeing>("ActionsAgeing").implement({
    fields: (t) => ({
      asOf: t.string({ resolve: (a) => a.as_of }),
      outstanding: t.exposeInt("outstanding"),
      overdue: t.exposeInt("overdue"),
      byAge: t.field({ type: [BucketCountType], resolve: (a) => a.by_age }),
      byDaysOverdue: t.field({ type: [BucketCountType], resolve: (a) => a.by_days_overdue }),
      byPriority: t.field({ type: [PriorityCountType], resolve: (a) => a.by_priority }),
    }),
  });
  const ReportType = flatType<Report>(builder, "AnalyticsReport", {
    id: "ID",
    kind: "String",
    title: "String",
    period_from: "String",
    period_to: "String",
    line_id: "ID?",
    status: "String",
    error: "String?",
    size_bytes: "Int?",
    pages: "Int?",
    requested_by: "ID?",
    created_at: "String",
    started_at: "String?",
    finished_at: "String?",
  });
  const ReportConnection = connectionType(builder, "AnalyticsReport", ReportType);
  const ScheduleType = builder.objectRef<ReportSchedule>("ReportSchedule").implement({
    fields: (t) => ({
      active: t.exposeBoolean("active"),
      weekday: t.exposeInt("weekday"),
      hour: t.exposeInt("hour"),
      recipientIds: t.idList({ resolve: (s) => s.recipient_ids }),
    }),
  });

  builder.queryFields((t) => {
    const filterArgs = () => ({
      machineId: t.arg.id(),
      lineId: t.arg.id(),
      toolId: t.arg.id(),
      failureCodeId: t.arg.id(),
      from: t.arg.string(),
      to: t.arg.string(),
    });
    const input = (args: Record<string, unknown>) => toSnakeCase(withoutNulls(args));
    return {
      analyticsSeries: t.field({
        type: SeriesType,
        description: "Availability, MTTR, MTBF per bucket (day, week or month; UTC)",
        args: { ...filterArgs(), bucket: t.arg.string() },
        resolve: (_root, args, { ctx, services }) => services.analytics.series(ctx, input(args)),
      }),
      failureTrends: t.field({
        type: TrendsType,
        args: { ...filterArgs(), bucket: t.arg.string() },
        resolve: (_root, args, { ctx, services }) => services.analytics.failureTrends(ctx, input(args)),
      }),
      toolUtilisation: t.field({
        type: UtilisationList,
        args: filterArgs(),
        resolve: (_root, args, { ctx, services }) => services.analytics.toolUtilisation(ctx, input(args)),
      }),
      topTools: t.field({
        type: TopToolsList,
        args: { ...filterArgs(), limit: t.arg.int() },
        resolve: (_root, args, { ctx, services }) => services.analytics.topTools(ctx, input(args)),
      }),
      maintenanceCompliance: t.field({
        type: ComplianceType,
        args: filterArgs(),
        resolve: (_root, args, { ctx, services }) => services.analytics.maintenanceCompliance(ctx, input(args)),
      }),
      actionsAgeing: t.field({
        type: AgeingType,
        args: { machineId: t.arg.id(), lineId: t.arg.id(), toolId: t.arg.id(), failureCodeId: t.arg.id() },
        resolve: (_root, args, { ctx, services }) => services.analytics.actionsAgeing(ctx, input(args)),
      }),
      analyticsReports: t.field({
        type: ReportConnection,
        args: { first: t.arg.int(), after: t.arg.string() },
        resolve: (_root, args, { ctx, services }) => services.reports.list(ctx, pageArgs(args)),
      }),
      analyticsReport: t.field({
        type: ReportType,
        args: { id: t.arg.id({ required: true }) },
        resolve: (_root, args, { ctx, services }) => services.reports.get(ctx, String(args.id)),
      }),
      reportSchedule: t.field({
        type: ScheduleType,
        resolve: (_root, _args, { ctx, services }) => services.reports.schedule(ctx),
      }),
    };
  });
  builder.mutationFields((t) => ({
    requestReport: t.field({
      type: ReportType,
      description: "Queue a PDF report of a period; download it from /api/v1/analytics/reports/{id}/pdf when ok",
      args: {
        from: t.arg.string({ required: true }),
        to: t.arg.string({ required: true }),
        lineId: t.arg.id(),
        title: t.arg.string(),
      },
      resolve: (_root, args, { ctx, services }) => services.reports.request(ctx, toSnakeCase(withoutNulls(args))),
    }),
    setReportSchedule: t.field({
      type: ScheduleType,
      args: {
        active: t.arg.boolean({ required: true }),
        weekday: t.arg.int({ required: true }),
        hour: t.arg.int({ required: true }),
        recipientIds: t.arg.idList({ required: true }),
      },
      resolve: (_root, args, { ctx, services }) => services.reports.setSchedule(ctx, toSnakeCase(args)),
    }),
  }));

  builder.queryFields((t) => ({
    kpis: t.field({
      type: KpisType,
      args: { machineId: t.arg.id(), lineId: t.arg.id(), from: t.arg.string(), to: t.arg.string() },
      resolve: (_root, args, { ctx, services }) => services.analytics.kpis(ctx, toSnakeCase(withoutNulls(args))),
    }),
    downtimePareto: t.field({
      type: ParetoType,
      args: {
        machineId: t.arg.id(),
        lineId: t.arg.id(),
        from: t.arg.string(),
        to: t.arg.string(),
        category: t.arg.string(),
        topLevel: t.arg.boolean(),
      },
      resolve: (_root, args, { ctx, services }) =>
        services.analytics.downtimePareto(ctx, toSnakeCase(withoutNulls(args))),
    }),
  }));
}
