import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fetchCompliance, recordsExportPath, tableExportPath, type AnalyticsQuery } from "../../api/analytics";
import { keys } from "../../api/keys";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { DrillLink, ExportButtons, Row, Section, Stat, Table } from "./parts";

const dash = "—";

/** Plan cycles done before becoming overdue ÷ cycles judged, checklists on time, and each plan's cycles. */
export function ComplianceTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const result = useQuery({
    queryKey: keys.analytics("maintenance-compliance", query),
    queryFn: () => fetchCompliance(query),
  });
  return (
    <Section
      title={t("analytics.tab.compliance")}
      testId="compliance"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("maintenance-compliance", f)}
          query={query}
          name="maintenance-compliance"
          records={{ path: (f) => recordsExportPath("maintenance-logs", f), query, name: "maintenance-logs" }}
        />
      }
    >
      <QueryState query={result}>
        {(d) => (
          <>
            <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
              <Stat
                label={t("analytics.compliance")}
                value={d.compliance === null ? dash : format.percent(d.compliance)}
                testId="compliance-rate"
              />
              <Stat label={t("analytics.onTime")} value={`${format.number(d.on_time)} / ${format.number(d.judged)}`} />
              <Stat label={t("analytics.missed")} value={format.number(d.missed)} />
              <Stat
                label={t("analytics.checklistsOnTime")}
                value={d.checklist_on_time_rate === null ? dash : format.percent(d.checklist_on_time_rate)}
              />
            </dl>
            {d.items.length === 0 ? (
              <p className="mt-4">{t("analytics.noPlans")}</p>
            ) : (
              <Table
                caption={t("analytics.tab.compliance")}
                testId="compliance-table"
                head={[
                  t("analytics.plan"),
                  t("analytics.judged"),
                  t("analytics.doneEarly"),
                  t("analytics.doneAfterDue"),
                  t("analytics.missed"),
                  t("analytics.pending"),
                  t("analytics.compliance"),
                ]}
              >
                {d.items.map((p) => (
                  <Row
                    key={p.plan_id}
                    name={
                      p.tool_id ? (
                        <DrillLink to={`/tools/${encodeURIComponent(p.tool_id)}`}>{p.name}</DrillLink>
                      ) : (
                        p.name
                      )
                    }
                    cells={[
                      format.number(p.judged),
                      format.number(p.done_early),
                      format.number(p.done_after_due),
                      format.number(p.missed),
                      format.number(p.pending),
                      p.judged > 0 ? format.percent(p.on_time / p.judged) : dash,
                    ]}
                  />
                ))}
              </Table>
            )}
          </>
        )}
      </QueryState>
    </Section>
  );
}
