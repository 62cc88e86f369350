import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import type { Refs } from "../../graphql/refs.ts";
import { HISTORY_KINDS, type HistoryItem } from "./service.ts";

export function registerHistoryGraphql(builder: Builder, refs: Refs) {
  builder.enumType("HistoryKind", { values: HISTORY_KINDS });

  const HistoryRecord = builder.unionType("HistoryRecord", {
    types: [refs.MaintenanceLog, refs.Repair, refs.Downtime, refs.FailureReport],
    // Each record type has a field the others lack.
    resolveType: (record) =>
      "template_version" in record
        ? "MaintenanceLog"
        : "category" in record
          ? "Downtime"
          : "failure_code_id" in record && "occurred_at" in record
            ? "FailureReport"
            : "Repair",
  });

  const HistoryItemType = builder.objectRef<HistoryItem>("HistoryItem").implement({
    description: "One entry of a tool's or a machine's history",
    fields: (t) => ({
      kind: t.exposeString("kind", { description: "maintenance_log, repair, downtime or failure_report" }),
      at: t.exposeString("at", {
        description: "When it happened: performedAt of a log, occurredAt of a failure report, startDatetime otherwise",
      }),
      id: t.exposeID("id"),
      record: t.field({ type: HistoryRecord, resolve: (item) => item.record }),
    }),
  });
  const HistoryConnection = connectionType(builder, "HistoryItem", HistoryItemType);

  builder.queryFields((t) => ({
    history: t.field({
      type: HistoryConnection,
      description:
        "Maintenance logs, repairs, downtimes and failure reports of a tool or a machine in one list, newest " +
        "first. A tool's " +
        "repairs and downtimes are those of its machines that started while it was mounted.",
      args: { toolId: t.arg.id(), machineId: t.arg.id(), first: t.arg.int(), after: t.arg.string() },
      resolve: (_root, { first, after, ...owner }, { ctx, services }) =>
        services.history.list(ctx, { ...pageArgs({ first, after }), ...toSnakeCase(withoutNulls(owner)) }),
    }),
  }));
}
