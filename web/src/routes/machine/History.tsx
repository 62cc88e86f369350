import { QueryState } from "../../components/QueryState";
import { useInfiniteQuery } from "@tanstack/react-query";
import { keys } from "../../api/keys";
import { useId, useMemo, useState, type ReactNode } from "react";
import { useAbilities } from "../../auth/user";
import { Button } from "../../components/Button";
import { PhotoGallery } from "../../components/photos/PhotoGallery";
import { useTranslation } from "react-i18next";
import { fetchHistory, type Downtime, type HistoryCursor, type Repair } from "../../api/plant";
import { Badge, CategoryBadge, RepairStatusBadge } from "../../components/Badge";
import { LoadMore } from "../../components/Page";
import { useFormat, type Format } from "../../i18n/format";
import { useReasonName } from "../../i18n/reasons";
import { mergeHistory, nextHistoryCursor } from "./history";

/** Entries per list and page. */
const PAGE_SIZE = 10;

/** Both lists from their newest entry. */
const FIRST_PAGE: HistoryCursor = { downtimes: null, repairs: null };

interface Props {
  machineId: string;
  /** Buttons under a downtime (e.g. pick its reason), by role. */
  downtimeActions?: (downtime: Downtime) => ReactNode;
  /** Buttons under a repair (edit, close), by role. */
  repairActions?: (repair: Repair) => ReactNode;
}

function span(format: Format, start: string, end: string | null, ongoing: string): string {
  if (!end) return `${format.dateTime(start)} – ${ongoing}`;
  const sameDay = new Date(start).toDateString() === new Date(end).toDateString();
  return `${format.dateTime(start)} – ${sameDay ? format.time(end) : format.dateTime(end)}`;
}

/** Downtimes and repairs of one machine, newest first, with "load more". */
export function History({ machineId, downtimeActions, repairActions }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const reasonName = useReasonName();
  const headingId = useId();
  const query = useInfiniteQuery({
    queryKey: keys.history(machineId),
    queryFn: ({ pageParam }) => fetchHistory(machineId, pageParam, PAGE_SIZE),
    initialPageParam: FIRST_PAGE,
    getNextPageParam: (_last, pages) => nextHistoryCursor(pages),
  });
  const entries = useMemo(() => mergeHistory(query.data?.pages ?? []), [query.data]);

  return (
    <section aria-labelledby={headingId} className="mt-8">
      <h2 id={headingId} className="text-xl font-bold">
        {t("history.heading")}
      </h2>
      <QueryState
        query={query}
        isEmpty={() => entries.length === 0}
        empty={<p className="mt-3 text-slate-600 dark:text-slate-400">{t("history.empty")}</p>}
      >
        {() => (
          <ol className="mt-3 space-y-3" data-testid="history">
            {entries.map((entry) =>
              entry.kind === "downtime" ? (
                <li
                  key={`d-${entry.id}`}
                  data-testid="history-downtime"
                  className="rounded-xl border border-l-8 border-slate-200 border-l-red-500 bg-white p-4 dark:border-slate-800 dark:border-l-red-500 dark:bg-slate-900"
                >
                  <div className="flex flex-wrap items-center gap-2">
                    <h3 className="text-lg font-semibold">{t("history.downtime")}</h3>
                    <CategoryBadge category={entry.downtime.category} />
                    {entry.downtime.ongoing && <Badge tone="red">{t("history.ongoing")}</Badge>}
                  </div>
                  <p className="mt-1 text-slate-700 dark:text-slate-300">
                    <time dateTime={entry.downtime.startDatetime}>
                      {span(format, entry.downtime.startDatetime, entry.downtime.endDatetime, t("history.ongoing"))}
                    </time>
                    {entry.downtime.durationMinutes !== null && (
                      <> · {format.duration(entry.downtime.durationMinutes)}</>
                    )}
                  </p>
                  <p className="mt-1" data-testid="downtime-reason">
                    <span className="text-slate-600 dark:text-slate-400">{t("history.reason")}: </span>
                    {entry.downtime.reason ? (
                      <span className="font-medium">
                        {entry.downtime.reason.parent && `${reasonName(entry.downtime.reason.parent)} › `}
                        {reasonName(entry.downtime.reason)}
                      </span>
                    ) : (
                      <span className="text-slate-500 italic dark:text-slate-400">{t("history.noReason")}</span>
                    )}
                  </p>
                  {entry.downtime.repair && (
                    <p className="mt-1">
                      <span className="text-slate-600 dark:text-slate-400">{t("history.repair")}: </span>
                      {entry.downtime.repair.title}
                    </p>
                  )}
                  {entry.downtime.note && <p className="mt-1 whitespace-pre-line">{entry.downtime.note}</p>}
                  {downtimeActions?.(entry.downtime)}
                </li>
              ) : (
                <li
                  key={`r-${entry.id}`}
                  data-testid="history-repair"
                  className="rounded-xl border border-l-8 border-slate-200 border-l-blue-600 bg-white p-4 dark:border-slate-800 dark:border-l-blue-400 dark:bg-slate-900"
                >
                  <div className="flex flex-wrap items-center gap-2">
                    <h3 className="min-w-0 text-lg font-semibold break-words">
                      <span className="text-slate-600 dark:text-slate-400">{t("history.repair")}: </span>
                      {entry.repair.title}
                    </h3>
                    <RepairStatusBadge status={entry.repair.status} />
                    <Badge tone="slate">
                      {t(`status.kind.${entry.repair.kind}`, { defaultValue: entry.repair.kind })}
                    </Badge>
                  </div>
                  <p className="mt-1 text-slate-700 dark:text-slate-300">
                    <time dateTime={entry.repair.startDatetime}>
                      {span(format, entry.repair.startDatetime, entry.repair.endDatetime, t("history.notEnded"))}
                    </time>
                  </p>
                  <RepairDetails repair={entry.repair} format={format} />
                  <RepairPhotos repairId={entry.repair.id} />
                  {repairActions?.(entry.repair)}
                </li>
              ),
            )}
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

function RepairDetails({ repair, format }: { repair: Repair; format: Format }) {
  const { t } = useTranslation();
  const rows: [string, string][] = [];
  if (repair.description) rows.push([t("repair.description"), repair.description]);
  if (repair.cause) rows.push([t("repair.cause"), repair.cause]);
  if (repair.actionsTaken) rows.push([t("repair.actionsTaken"), repair.actionsTaken]);
  if (repair.partsUsed) rows.push([t("repair.partsUsed"), repair.partsUsed]);
  if (repair.cost !== null) rows.push([t("repair.cost"), format.money(repair.cost)]);
  if (rows.length === 0) return null;
  return (
    <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[max-content_1fr]">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
          <dd className="break-words whitespace-pre-line">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A repair's photos, opened on demand so that a long history does not fetch every gallery. */
function RepairPhotos({ repairId }: { repairId: string }) {
  const { t } = useTranslation();
  const can = useAbilities();
  const [open, setOpen] = useState(false);
  return open ? (
    <div className="mt-3">
      <PhotoGallery entityType="repair" entityId={repairId} canWrite={can.writePhotos} />
    </div>
  ) : (
    <div className="mt-3">
      <Button variant="secondary" onClick={() => setOpen(true)} data-testid="repair-photos">
        {t("photos.heading")}
      </Button>
    </div>
  );
}
