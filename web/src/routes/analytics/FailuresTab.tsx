import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import {
  fetchFailureTrends,
  recordsExportPath,
  tableExportPath,
  type AnalyticsQuery,
  type Bucket,
} from "../../api/analytics";
import { keys } from "../../api/keys";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { bucketLabels } from "./filters";
import { Bars, DrillLink, ExportButtons, Row, Section, Table } from "./parts";
import { TimeChart, type ChartSeries } from "./TimeChart";

const SEVERITIES = ["low", "medium", "high", "critical"] as const;

/**
 * The failure list with the same period, machine or tool, narrowed to a code and/or a severity.
 * (The list has no line filter: from a line's figures it shows the plant's reports of that code.)
 */
export function failuresLink(query: AnalyticsQuery, narrow: { code?: string; severity?: string }): string {
  const params = new URLSearchParams();
  if (narrow.code) params.set("code", narrow.code);
  if (narrow.severity) params.set("severity", narrow.severity);
  if (query.failure_code_id && !narrow.code) params.set("code", query.failure_code_id);
  if (query.machine_id) params.set("machine", query.machine_id);
  if (query.tool_id) params.set("tool", query.tool_id);
  if (query.from) params.set("from", query.from);
  if (query.to) params.set("to", query.to);
  return `/failures?${params.toString()}`;
}

/** Failure reports per bucket by severity (chart), by code (bars and table) and by severity (table). */
export function FailuresTab({ query }: { query: AnalyticsQuery }) {
  const { t } = useTranslation();
  const format = useFormat();
  const result = useQuery({
    queryKey: keys.analytics("failure-trends", query),
    queryFn: () => fetchFailureTrends(query),
  });
  const data = result.data;

  const chart = useMemo(() => {
    if (!data) return null;
    // Every bucket of the period, those without reports at zero.
    const buckets =
      query.from && query.to && query.bucket
        ? bucketLabels(query.bucket as Bucket, query.from, query.to)
        : [...new Set(data.items.map((i) => i.bucket))];
    const series: ChartSeries[] = SEVERITIES.map((s) => ({
      label: t(`status.severity.${s}`),
      values: buckets.map((b) =>
        data.items.filter((i) => i.bucket === b && i.severity === s).reduce((sum, i) => sum + i.count, 0),
      ),
    }));
    return { labels: buckets, series };
  }, [data, t, query.from, query.to, query.bucket]);
  const countAxis = useMemo(() => (v: number) => format.number(v, 1), [format]);

  return (
    <Section
      title={t("analytics.tab.failures")}
      testId="failures"
      exports={
        <ExportButtons
          path={(f) => tableExportPath("failure-trends", f)}
          query={query}
          name="failure-trends"
          records={{
            path: (f) => recordsExportPath("failure-reports", f),
            query: { ...query, bucket: undefined },
            name: "failure-reports",
          }}
        />
      }
    >
      <QueryState query={result} isEmpty={(d) => d.by_code.length === 0} empty={<p>{t("analytics.noFailures")}</p>}>
        {(d) => (
          <>
            {chart && chart.labels.length > 1 && (
              <TimeChart
                title={t("analytics.failuresBySeverity")}
                testId="failures-chart"
                labels={chart.labels}
                xLabel={t("analytics.bucketColumn")}
                series={chart.series}
                leftUnit={countAxis}
              />
            )}
            <h3 className="mt-6 text-lg font-semibold">{t("analytics.byCode")}</h3>
            <Bars
              title={t("analytics.byCode")}
              bars={d.by_code.map((c) => ({
                key: c.failure_code_id,
                label: (
                  <DrillLink to={failuresLink(query, { code: c.failure_code_id })}>
                    {c.code} — {c.name}
                  </DrillLink>
                ),
                value: c.count,
                text: format.number(c.count),
              }))}
            />
            <Table
              caption={t("analytics.byCode")}
              testId="failure-codes-table"
              head={[t("analytics.failureCode"), t("analytics.count")]}
            >
              {d.by_code.map((c) => (
                <Row
                  key={c.failure_code_id}
                  testId="failure-code-row"
                  name={
                    <DrillLink to={failuresLink(query, { code: c.failure_code_id })}>
                      {c.code} — {c.name}
                    </DrillLink>
                  }
                  cells={[format.number(c.count)]}
                />
              ))}
            </Table>
            <h3 className="mt-6 text-lg font-semibold">{t("analytics.bySeverity")}</h3>
            <Table caption={t("analytics.bySeverity")} head={[t("failures.severity"), t("analytics.count")]}>
              {d.by_severity.map((s) => (
                <Row
                  key={s.severity}
                  name={
                    <DrillLink to={failuresLink(query, { severity: s.severity })}>
                      {t(`status.severity.${s.severity as "low"}`)}
                    </DrillLink>
                  }
                  cells={[format.number(s.count)]}
                />
              ))}
            </Table>
          </>
        )}
      </QueryState>
    </Section>
  );
}
