import { QueryState } from "../../components/QueryState";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { keys } from "../../api/keys";
import { fetchToolHistory, type ToolHistoryItem } from "../../api/tools";
import { Badge, CategoryBadge, LogStatusBadge, RepairStatusBadge } from "../../components/Badge";
import { LoadMore } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { useReasonName } from "../../i18n/reasons";

const card = "rounded-xl border border-l-8 border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/**
 * The tool's history from the server's merged list (`history(toolId)`): its maintenance logs,
 * and the repairs and stops of the presses it was mounted in at the time.
 */
export function ToolHistory({ toolId }: { toolId: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  const query = useInfiniteQuery({
    queryKey: keys.toolHistory(toolId),
    queryFn: ({ pageParam }) => fetchToolHistory(toolId, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="mt-8" aria-labelledby={headingId}>
      <h2 id={headingId} className="text-xl font-bold">
        {t("history.heading")}
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">{t("tools.historyHint")}</p>
      <QueryState
        query={query}
        isEmpty={() => items.length === 0}
        empty={<p className="mt-3 text-slate-600 dark:text-slate-400">{t("history.empty")}</p>}
      >
        {() => (
          <ol className="mt-3 space-y-3" data-testid="tool-history">
            {items.map((item) => (
              <li key={`${item.kind}-${item.id}`}>
                <Entry item={item} />
              </li>
            ))}
          </ol>
        )}
      </QueryState>
      <LoadMore
        hasMore={query.hasNextPage}
        loading={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      />
    </section>
  );
}

function Entry({ item }: { item: ToolHistoryItem }) {
  const { t } = useTranslation();
  const format = useFormat();
  const reasonName = useReasonName();
  const record = item.record;
  switch (record.__typename) {
    case "MaintenanceLog":
      return (
        <article className={`${card} border-l-green-600 dark:border-l-green-500`} data-testid="history-log">
          <div className="flex flex-wrap items-center gap-2">
            <h3 className="text-lg font-semibold">
              <Link
                to={`/inspections/${record.id}`}
                className="inline-flex min-h-12 items-center text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
              >
                {t(`inspection.kinds.${record.kind as "other"}`, { defaultValue: record.kind })}
                {record.template && ` — ${record.template.name}`}
              </Link>
            </h3>
            <LogStatusBadge status={record.status} />
          </div>
          <p className="text-slate-700 dark:text-slate-300">
            <time dateTime={record.performedAt}>{format.dateTime(record.performedAt)}</time>
            {record.shotsAt !== null && <> · {t("tools.atShots", { shots: format.number(record.shotsAt) })}</>}
          </p>
        </article>
      );
    case "Repair":
      return (
        <article className={`${card} border-l-blue-600 dark:border-l-blue-400`} data-testid="history-repair">
          <div className="flex flex-wrap items-center gap-2">
            <h3 className="min-w-0 text-lg font-semibold break-words">
              <span className="text-slate-600 dark:text-slate-400">{t("history.repair")}: </span>
              {record.title}
            </h3>
            <RepairStatusBadge status={record.status} />
            {record.machine && <Badge tone="slate">{record.machine.code}</Badge>}
          </div>
          <p className="text-slate-700 dark:text-slate-300">
            <time dateTime={record.startDatetime}>{format.dateTime(record.startDatetime)}</time>
          </p>
        </article>
      );
    case "Downtime":
      return (
        <article className={`${card} border-l-red-500`} data-testid="history-downtime">
          <div className="flex flex-wrap items-center gap-2">
            <h3 className="text-lg font-semibold">{t("history.downtime")}</h3>
            <CategoryBadge category={record.category} />
            {record.machine && <Badge tone="slate">{record.machine.code}</Badge>}
          </div>
          <p className="text-slate-700 dark:text-slate-300">
            <time dateTime={record.startDatetime}>{format.dateTime(record.startDatetime)}</time>
            {record.durationMinutes !== null && <> · {format.duration(record.durationMinutes)}</>}
            {record.endDatetime === null && <> · {t("history.ongoing")}</>}
          </p>
          <p>
            <span className="text-slate-600 dark:text-slate-400">{t("history.reason")}: </span>
            {record.reason ? reasonName(record.reason) : t("history.noReason")}
          </p>
        </article>
      );
  }
}
