import { toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { Kpis, ParetoItem } from "./service.ts";

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
