import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import {
  fetchToolUtilisation,
  fetchTopTools,
  recordsExportPath,
  tableExportPath,
  type AnalyticsQuery,
} from "../../api/analytics";
import { keys } from "../../api/keys";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { Bars, DrillLink, ExportButtons, Row, Section, Table } from "./parts";

const dash = "—";
const toolLink = (id: string) => `/tools/${encodeURIComponent(id)}`;

/** Per tool: share of the period mounted and running, shots per day, life used and days to rated life. */
export function UtilisationTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const result = useQuery({
    queryKey: keys.analytics("tool-utilisation", query),
    queryFn: () => fetchToolUtilisation(query),
  });
  return (
    <Section
      title={t("analytics.tab.utilisation")}
      testId="utilisation"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("tool-utilisation", f)}
          query={query}
          name="tool-utilisation"
          records={{ path: (f) => recordsExportPath("shot-entries", f), query, name: "shot-entries" }}
        />
      }
    >
      <QueryState query={result} isEmpty={(d) => d.items.length === 0} empty={<p>{t("analytics.noTools")}</p>}>
        {(data) => {
          const items = [...data.items].sort((a, b) => b.utilisation - a.utilisation);
          return (
            <>
              <Bars
                title={t("analytics.utilisation")}
                bars={items.slice(0, 20).map((i) => ({
                  key: i.tool_id,
                  label: <DrillLink to={toolLink(i.tool_id)}>{i.asset_number}</DrillLink>,
                  value: i.utilisation,
                  text: format.percent(i.utilisation),
                }))}
              />
              <Table
                caption={t("analytics.tab.utilisation")}
                testId="utilisation-table"
                head={[
                  t("analytics.tool"),
                  t("analytics.utilisation"),
                  t("analytics.mountedHours"),
                  t("analytics.shots"),
                  t("analytics.shotsPerDay"),
                  t("analytics.lifeUsed"),
                  t("analytics.daysToRatedLife"),
                ]}
              >
                {items.map((i) => (
                  <Row
                    key={i.tool_id}
                    testId="utilisation-row"
                    name={
                      <DrillLink to={toolLink(i.tool_id)}>
                        {i.asset_number} — {i.name}
                      </DrillLink>
                    }
                    cells={[
                      format.percent(i.utilisation),
                      format.number(i.mounted_minutes / 60, 1),
                      format.number(i.shots),
                      format.number(i.shots_per_day, 1),
                      i.life_used === null ? dash : format.percent(i.life_used),
                      i.days_to_rated_life === null ? dash : format.number(i.days_to_rated_life, 0),
                    ]}
                  />
                ))}
              </Table>
            </>
          );
        }}
      </QueryState>
    </Section>
  );
}

/** Tools by failures per 100,000 shots, worst first; MTBF in shots. */
export function TopToolsTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const result = useQuery({ queryKey: keys.analytics("top-tools", query), queryFn: () => fetchTopTools(query) });
  return (
    <Section
      title={t("analytics.tab.topTools")}
      testId="top-tools"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("top-tools", f)}
          query={query}
          name="top-tools"
          records={{ path: (f) => recordsExportPath("failure-reports", f), query, name: "failure-reports" }}
        />
      }
    >
      <QueryState query={result} isEmpty={(d) => d.items.length === 0} empty={<p>{t("analytics.noFailures")}</p>}>
        {(data) => (
          <>
            <Bars
              title={t("analytics.per100k")}
              bars={data.items
                .filter((i) => i.failures_per_100k_shots !== null)
                .map((i) => ({
                  key: i.tool_id,
                  label: <DrillLink to={toolLink(i.tool_id)}>{i.asset_number}</DrillLink>,
                  value: i.failures_per_100k_shots ?? 0,
                  text: format.number(i.failures_per_100k_shots ?? 0, 2),
                }))}
            />
            <Table
              caption={t("analytics.tab.topTools")}
              testId="top-tools-table"
              head={[
                t("analytics.tool"),
                t("kpi.failures"),
                t("analytics.shots"),
                t("analytics.per100k"),
                t("analytics.mtbfShots"),
              ]}
            >
              {data.items.map((i) => (
                <Row
                  key={i.tool_id}
                  testId="top-tool-row"
                  name={
                    <DrillLink to={toolLink(i.tool_id)}>
                      {i.asset_number} — {i.name}
                    </DrillLink>
                  }
                  cells={[
                    format.number(i.failures),
                    format.number(i.shots),
                    i.failures_per_100k_shots === null ? dash : format.number(i.failures_per_100k_shots, 2),
                    i.mtbf_shots === null ? dash : format.number(i.mtbf_shots, 0),
                  ]}
                />
              ))}
            </Table>
          </>
        )}
      </QueryState>
    </Section>
  );
}
