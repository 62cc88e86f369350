import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { fetchSeries, recordsExportPath, tableExportPath, type AnalyticsQuery } from "../../api/analytics";
import { keys } from "../../api/keys";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { ExportButtons, Row, Section, Table } from "./parts";
import { TimeChart, type ChartSeries } from "./TimeChart";

const dash = "—";

/** Availability, MTTR and MTBF per bucket: the chart, then every bucket's figures in the table. */
export function SeriesTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const result = useQuery({ queryKey: keys.analytics("series", query), queryFn: () => fetchSeries(query) });
  const items = result.data?.items;

  const chart = useMemo(() => {
    if (!items) return null;
    const series: ChartSeries[] = [
      {
        label: t("kpi.availability"),
        values: items.map((i) => (i.availability === null ? null : i.availability * 100)),
      },
      { label: t("analytics.mttrHours"), values: items.map((i) => i.mttr_hours), axis: "right" },
      { label: t("analytics.mtbfHours"), values: items.map((i) => i.mtbf_hours), axis: "right" },
    ];
    return { labels: items.map((i) => i.bucket), series };
  }, [items, t]);
  const percentAxis = useMemo(() => (v: number) => `${format.number(v, 1)} %`, [format]);
  const hoursAxis = useMemo(() => (v: number) => format.hours(v), [format]);

  return (
    <Section
      title={t("analytics.tab.series")}
      testId="series"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("series", f)}
          query={query}
          name="availability"
          records={{
            path: (f) => recordsExportPath("downtimes", f),
            query: { ...query, bucket: undefined },
            name: "downtimes",
          }}
        />
      }
    >
      <QueryState query={result} isEmpty={(d) => d.items.length === 0} empty={<p>{t("analytics.noData")}</p>}>
        {(data) => (
          <>
            {chart && (
              <TimeChart
                title={t("analytics.tab.series")}
                testId="series-chart"
                labels={chart.labels}
                xLabel={t("analytics.bucketColumn")}
                series={chart.series}
                leftUnit={percentAxis}
                rightUnit={hoursAxis}
                leftRange={[0, 100]}
              />
            )}
            <Table
              caption={t("analytics.tab.series")}
              testId="series-table"
              head={[
                t("analytics.bucketColumn"),
                t("kpi.availability"),
                t("analytics.unplannedMinutes"),
                t("kpi.failures"),
                t("analytics.mttrHours"),
                t("analytics.mtbfHours"),
              ]}
            >
              {data.items.map((i) => (
                <Row
                  key={i.bucket}
                  testId="series-row"
                  name={i.bucket}
                  cells={[
                    i.availability === null ? dash : format.percent(i.availability),
                    format.number(i.unplanned_minutes, 2),
                    format.number(i.failures),
                    i.mttr_hours === null ? dash : format.number(i.mttr_hours, 2),
                    i.mtbf_hours === null ? dash : format.number(i.mtbf_hours, 2),
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
