import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fetchPareto, recordsExportPath, tableExportPath, type AnalyticsQuery } from "../../api/analytics";
import { keys } from "../../api/keys";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { useReasonName } from "../../i18n/reasons";
import { Bars, DrillLink, ExportButtons, Row, Section, Table } from "./parts";

/** The downtimes behind a Pareto row: the downtime list with the same scope, period and reason. */
export function downtimesLink(query: AnalyticsQuery, reasonId: string | null): string {
  const params = new URLSearchParams();
  if (query.machine_id) params.set("machine", query.machine_id);
  if (query.line_id) params.set("line", query.line_id);
  if (reasonId) params.set("reason", reasonId);
  if (query.from) params.set("from", query.from);
  if (query.to) params.set("to", query.to);
  return `/downtimes?${params.toString()}`;
}

/** Downtime minutes by reason, largest first, with its share and running share of the total. */
export function ParetoTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const reasonName = useReasonName();
  const result = useQuery({ queryKey: keys.analytics("pareto", query), queryFn: () => fetchPareto(query) });

  return (
    <Section
      title={t("analytics.tab.pareto")}
      testId="pareto"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("downtime-pareto", f)}
          query={query}
          name="downtime-pareto"
          records={{ path: (f) => recordsExportPath("downtimes", f), query, name: "downtimes" }}
        />
      }
    >
      <QueryState query={result} isEmpty={(d) => d.items.length === 0} empty={<p>{t("analytics.noDowntime")}</p>}>
        {(data) => {
          const total = data.items.reduce((sum, i) => sum + i.minutes, 0);
          let running = 0;
          const name = (i: (typeof data.items)[number]) =>
            i.reason_code ? reasonName({ code: i.reason_code, name: i.reason_name ?? "" }) : t("analytics.noReason");
          return (
            <>
              <Bars
                title={t("analytics.tab.pareto")}
                testId="pareto-bars"
                bars={data.items.map((i) => ({
                  key: i.reason_id ?? `none-${i.category}`,
                  label: <DrillLink to={downtimesLink(query, i.reason_id)}>{name(i)}</DrillLink>,
                  value: i.minutes,
                  text: format.duration(i.minutes),
                }))}
              />
              <Table
                caption={t("analytics.tab.pareto")}
                testId="pareto-table"
                head={[
                  t("analytics.reason"),
                  t("analytics.category"),
                  t("analytics.minutes"),
                  t("analytics.count"),
                  t("analytics.share"),
                  t("analytics.cumulative"),
                ]}
              >
                {data.items.map((i) => {
                  running += i.minutes;
                  return (
                    <Row
                      key={i.reason_id ?? `none-${i.category}`}
                      testId="pareto-row"
                      name={<DrillLink to={downtimesLink(query, i.reason_id)}>{name(i)}</DrillLink>}
                      cells={[
                        t(`status.category.${i.category as "planned"}`),
                        format.number(i.minutes, 2),
                        format.number(i.count),
                        total > 0 ? format.percent(i.minutes / total) : "—",
                        total > 0 ? format.percent(running / total) : "—",
                      ]}
                    />
                  );
                })}
              </Table>
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}
