import { QueryState } from "../../components/QueryState";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { keys } from "../../api/keys";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { fetchLine, fetchLineMachines, type MachineSummary } from "../../api/plant";
import { useAbilities } from "../../auth/user";
import { LineStatusBadge, MachineStatusBadge } from "../../components/Badge";
import { DownFor } from "../../components/DownFor";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { KpiPanel } from "../../components/KpiPanel";
import { Breadcrumbs, ButtonLink, LoadMore } from "../../components/Page";

/** One line: its machines with their status, and the line's figures for the last 30 days. */
export function LinePage() {
  const { lineId = "" } = useParams();
  const { t } = useTranslation();
  const can = useAbilities();
  const line = useQuery({ queryKey: keys.line(lineId), queryFn: () => fetchLine(lineId) });
  const machines = useInfiniteQuery({
    queryKey: keys.lineMachines(lineId),
    queryFn: ({ pageParam }) => fetchLineMachines(lineId, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    refetchInterval: 30_000,
  });

  if (line.isPending) return <Loading />;
  if (line.isError) return <ErrorNotice error={line.error} onRetry={() => void line.refetch()} />;
  const items = machines.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <Breadcrumbs items={[{ label: t("plant.heading"), to: "/plant" }, { label: line.data.code }]} />
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="min-w-0 text-3xl font-bold break-words">
              {line.data.code} — {line.data.name}
            </h1>
            <LineStatusBadge status={line.data.status} />
          </div>
          {line.data.description && <p className="mt-1 text-slate-600 dark:text-slate-400">{line.data.description}</p>}
        </div>
        {can.writePlant && <ButtonLink to={`/plant/lines/${lineId}/machines/new`}>{t("plant.newMachine")}</ButtonLink>}
      </div>

      <KpiPanel scope={{ lineId }} />

      <section className="mt-8" aria-labelledby="line-machines">
        <h2 id="line-machines" className="text-xl font-bold">
          {t("plant.machines")}
        </h2>
        <QueryState
          query={machines}
          isEmpty={() => items.length === 0}
          empty={<p className="mt-3 text-slate-600 dark:text-slate-400">{t("plant.noMachines")}</p>}
        >
          {() => (
            <ul className="mt-3 grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
              {items.map((machine) => (
                <li key={machine.id} className="min-w-0">
                  <MachineCard machine={machine} />
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        <LoadMore
          hasMore={machines.hasNextPage}
          loading={machines.isFetchingNextPage}
          onClick={() => void machines.fetchNextPage()}
        />
      </section>
    </>
  );
}

function MachineCard({ machine }: { machine: MachineSummary }) {
  return (
    <Link
      to={`/plant/machines/${machine.id}`}
      className="flex h-full min-h-20 flex-col gap-1 rounded-xl border border-slate-200 bg-white p-4 hover:bg-slate-50 dark:border-slate-800 dark:bg-slate-900 dark:hover:bg-slate-800"
    >
      <span className="flex flex-wrap items-center justify-between gap-2">
        <span className="min-w-0 text-lg font-bold break-words">{machine.code}</span>
        <MachineStatusBadge status={machine.status} />
      </span>
      <span className="min-w-0 break-words text-slate-600 dark:text-slate-400">{machine.name}</span>
      {machine.currentDowntime && (
        <DownFor since={machine.currentDowntime.startDatetime} className="font-medium text-red-700 dark:text-red-300" />
      )}
    </Link>
  );
}
