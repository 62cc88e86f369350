import { useQuery } from "@tanstack/react-query";
import { keys } from "../api/keys";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { fetchKpis } from "../api/plant";
import { useFormat } from "../i18n/format";
import { ErrorNotice } from "./Feedback";

export const KPI_DAYS = 30;

interface Props {
  scope: { machineId: string } | { lineId: string };
}

/** Availability, failures, MTTR and MTBF (SPEC §6) over the last 30 days. */
export function KpiPanel({ scope }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const headingId = useId();
  const query = useQuery({
    queryKey: [...keys.kpis, scope, KPI_DAYS],
    queryFn: () => fetchKpis(scope, KPI_DAYS),
    // An ongoing downtime keeps changing the figures.
    refetchInterval: 60_000,
  });
  const kpis = query.data;
  const none = t("kpi.none");
  const cards = [
    {
      key: "availability",
      label: t("kpi.availability"),
      value: kpis ? (kpis.availability === null ? none : format.percent(kpis.availability)) : "",
    },
    { key: "failures", label: t("kpi.failures"), value: kpis ? format.number(kpis.failures) : "" },
    {
      key: "mttr",
      label: t("kpi.mttr"),
      hint: t("kpi.mttrHint"),
      value: kpis ? (kpis.mttrHours === null ? none : format.hours(kpis.mttrHours)) : "",
    },
    {
      key: "mtbf",
      label: t("kpi.mtbf"),
      hint: t("kpi.mtbfHint"),
      value: kpis ? (kpis.mtbfHours === null ? none : format.hours(kpis.mtbfHours)) : "",
    },
  ];

  return (
    <section aria-labelledby={headingId} className="mt-8">
      <h2 id={headingId} className="text-xl font-bold">
        {t("kpi.heading", { days: KPI_DAYS })}
      </h2>
      {query.isError ? (
        <div className="mt-3">
          <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
        </div>
      ) : (
        <>
          <dl className="mt-3 grid grid-cols-2 gap-3 md:grid-cols-4" aria-busy={query.isPending}>
            {cards.map((card) => (
              <div
                key={card.key}
                className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
              >
                <dt className="text-sm font-medium text-slate-600 dark:text-slate-400">
                  {card.label}
                  {card.hint && <span className="block text-xs font-normal">{card.hint}</span>}
                </dt>
                <dd className="mt-1 text-2xl font-bold tabular-nums" data-testid={`kpi-${card.key}`}>
                  {query.isPending ? "…" : card.value}
                </dd>
              </div>
            ))}
          </dl>
          {kpis && (
            <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
              {t("kpi.unplanned", { duration: format.duration(kpis.unplannedMinutes) })}
            </p>
          )}
        </>
      )}
    </section>
  );
}
