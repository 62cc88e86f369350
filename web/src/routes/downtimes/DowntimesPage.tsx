import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { keys } from "../../api/keys";
import { fetchDowntimes, type DowntimeFilter } from "../../api/plant";
import { PagedQueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { useReasonName } from "../../i18n/reasons";

/**
 * Downtimes filtered by machine or line, reason and period (all in the address): where a Pareto
 * row of the analytics leads. Each row opens its machine, whose history has the details.
 */
export function DowntimesPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const reasonName = useReasonName();
  const [params] = useSearchParams();
  const filter: DowntimeFilter = {};
  for (const [field, param] of [
    ["machineId", "machine"],
    ["lineId", "line"],
    ["reasonId", "reason"],
    ["from", "from"],
    ["to", "to"],
  ] as const) {
    const value = params.get(param);
    if (value) filter[field] = value;
  }
  const query = useInfiniteQuery({
    queryKey: keys.downtimes(filter),
    queryFn: ({ pageParam }) => fetchDowntimes(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <h1 className="text-3xl font-bold">{t("downtimes.heading")}</h1>
      {(filter.from || filter.to) && (
        <p className="mt-2 text-slate-600 dark:text-slate-400" data-testid="downtimes-period">
          {t("downtimes.period", {
            from: filter.from ? format.dateTime(filter.from) : "…",
            to: filter.to ? format.dateTime(filter.to) : "…",
          })}
        </p>
      )}
      <div className="mt-4">
        <PagedQueryState query={query} empty={<p className="text-lg">{t("downtimes.none")}</p>}>
          {(items) => (
            <ul className="grid gap-2">
              {items.map((d) => (
                <li key={d.id} data-testid="downtime-row">
                  <Link
                    to={`/plant/machines/${d.machineId}`}
                    className="block min-h-12 rounded-lg border border-slate-200 bg-white px-4 py-2 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
                  >
                    <span className="flex flex-wrap items-center gap-2">
                      <span className="font-mono font-bold">{d.machine?.code}</span>
                      <span className="font-semibold">{d.reason ? reasonName(d.reason) : t("dashboard.noReason")}</span>
                      <span className="ml-auto text-sm">{t(`status.category.${d.category}`)}</span>
                    </span>
                    <span className="mt-1 block text-sm text-slate-600 dark:text-slate-400">
                      {format.dateTime(d.startDatetime)}
                      {d.endDatetime ? ` – ${format.dateTime(d.endDatetime)}` : ` · ${t("downtimes.ongoing")}`}
                      {d.durationMinutes !== null && ` · ${format.duration(d.durationMinutes)}`}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </PagedQueryState>
      </div>
    </>
  );
}
