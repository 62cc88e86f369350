import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { download, fetchReports, reportPdfPath, requestReport, type AnalyticsReport } from "../../api/analytics";
import { useErrorText } from "../../api/errors";
import { keys } from "../../api/keys";
import { Button } from "../../components/Button";
import { FormError } from "../../components/Feedback";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";

const STATUS_CLASS: Record<AnalyticsReport["status"], string> = {
  queued: "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
  running: "bg-blue-100 text-blue-900 dark:bg-blue-950 dark:text-blue-200",
  ok: "bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
};

/**
 * PDF reports (exports:read): request one of the current period and line; the list polls while
 * a report is queued or running, and a finished one downloads with the token.
 */
export function ReportsPanel({ from, to, lineId }: { from: string; to: string; lineId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const text = useErrorText();
  const client = useQueryClient();
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const reports = useQuery({
    queryKey: keys.analyticsReports,
    queryFn: fetchReports,
    // Poll only while something is being made.
    refetchInterval: (q) =>
      q.state.data?.items.some((r) => r.status === "queued" || r.status === "running") ? 2_000 : false,
  });
  const request = useMutation({
    mutationFn: () => requestReport({ from, to, ...(lineId ? { line_id: lineId } : {}) }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.analyticsReports }),
  });

  async function save(report: AnalyticsReport) {
    setDownloadError(null);
    try {
      await download(reportPdfPath(report.id), {}, `${report.title}.pdf`);
    } catch (e) {
      setDownloadError(e);
    }
  }

  return (
    <section className="mt-10 min-w-0" data-testid="reports-panel" aria-labelledby="reports-heading">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="reports-heading" className="text-xl font-bold">
          {t("analytics.reports.heading")}
        </h2>
        <Button onClick={() => request.mutate()} disabled={request.isPending} data-testid="request-report">
          {request.isPending ? t("analytics.reports.requesting") : t("analytics.reports.request")}
        </Button>
      </div>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{t("analytics.reports.hint")}</p>
      <FormError message={request.isError ? text(request.error) : null} />
      <FormError message={downloadError ? text(downloadError) : null} />
      <div className="mt-3">
        <QueryState query={reports} isEmpty={(d) => d.items.length === 0} empty={<p>{t("analytics.reports.none")}</p>}>
          {(data) => (
            <ul className="grid gap-2">
              {data.items.map((r) => (
                <li
                  key={r.id}
                  data-testid="report-row"
                  className="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-white px-4 py-2 dark:border-slate-700 dark:bg-slate-900"
                >
                  <span className="min-w-0 flex-1">
                    <span className="block font-semibold">{r.title}</span>
                    <span className="block text-sm text-slate-600 dark:text-slate-400">
                      {format.date(r.period_from)} – {format.date(r.period_to)} · {format.dateTime(r.created_at)}
                      {r.pages !== null && ` · ${t("analytics.reports.pages", { count: r.pages })}`}
                    </span>
                    {r.error && <span className="block text-sm text-red-700 dark:text-red-300">{r.error}</span>}
                  </span>
                  <span
                    data-testid="report-status"
                    className={`rounded px-2 py-0.5 text-sm font-semibold ${STATUS_CLASS[r.status]}`}
                  >
                    {t(`analytics.reports.status.${r.status}`)}
                  </span>
                  {r.status === "ok" && (
                    <Button variant="secondary" onClick={() => void save(r)} data-testid="report-download">
                      {t("analytics.reports.download")}
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </div>
    </section>
  );
}
