import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fetchActionsAgeing, recordsExportPath, tableExportPath, type AnalyticsQuery } from "../../api/analytics";
import { keys } from "../../api/keys";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { Bars, DrillLink, ExportButtons, Row, Section, Stat, Table } from "./parts";

/** The action list behind a bucket: outstanding (or overdue) actions of the same machine or tool. */
export function actionsLink(query: AnalyticsQuery, view: "outstanding" | "overdue", priority?: string): string {
  const params = new URLSearchParams({ view });
  if (query.machine_id) params.set("machine", query.machine_id);
  if (query.tool_id) params.set("tool", query.tool_id);
  if (priority) params.set("priority", priority);
  return `/actions?${params.toString()}`;
}

/** Outstanding actions now: by age, by days overdue and by priority. */
export function AgeingTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const result = useQuery({
    queryKey: keys.analytics("actions-ageing", query),
    queryFn: () => fetchActionsAgeing(query),
  });
  const days = (bucket: string) => t("analytics.daysBucket", { bucket });
  return (
    <Section
      title={t("analytics.tab.ageing")}
      testId="ageing"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("actions-ageing", f)}
          query={query}
          name="actions-ageing"
          records={{ path: (f) => recordsExportPath("actions", f), query, name: "actions" }}
        />
      }
    >
      <QueryState query={result}>
        {(d) => (
          <>
            <dl className="grid gap-3 sm:grid-cols-2">
              <Stat label={t("analytics.outstanding")} value={format.number(d.outstanding)} testId="outstanding" />
              <Stat label={t("analytics.overdue")} value={format.number(d.overdue)} testId="overdue" />
            </dl>
            <h3 className="mt-6 text-lg font-semibold">{t("analytics.byAge")}</h3>
            <Bars
              title={t("analytics.byAge")}
              testId="age-bars"
              bars={d.by_age.map((b) => ({
                key: b.bucket,
                label: <DrillLink to={actionsLink(query, "outstanding")}>{days(b.bucket)}</DrillLink>,
                value: b.count,
                text: format.number(b.count),
              }))}
            />
            <h3 className="mt-6 text-lg font-semibold">{t("analytics.byDaysOverdue")}</h3>
            <Bars
              title={t("analytics.byDaysOverdue")}
              testId="overdue-bars"
              bars={d.by_days_overdue.map((b) => ({
                key: b.bucket,
                label: <DrillLink to={actionsLink(query, "overdue")}>{days(b.bucket)}</DrillLink>,
                value: b.count,
                text: format.number(b.count),
              }))}
            />
            <Table
              caption={t("analytics.byPriority")}
              testId="ageing-table"
              head={[t("analytics.priority"), t("analytics.outstanding"), t("analytics.overdue")]}
            >
              {d.by_priority.map((p) => (
                <Row
                  key={p.priority}
                  testId="priority-row"
                  name={
                    <DrillLink to={actionsLink(query, "outstanding", p.priority)}>
                      {t(`status.severity.${p.priority as "low"}`)}
                    </DrillLink>
                  }
                  cells={[format.number(p.outstanding), format.number(p.overdue)]}
                />
              ))}
            </Table>
          </>
        )}
      </QueryState>
    </Section>
  );
}
