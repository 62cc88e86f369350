import { QueryState } from "../../components/QueryState";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { keys } from "../../api/keys";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { fetchLines, fetchMachineOverview, type LineSummary, type MachineBrief } from "../../api/plant";
import { useAbilities } from "../../auth/user";
import { LineStatusBadge, MachineStatusBadge } from "../../components/Badge";
import { ButtonLink, LoadMore } from "../../components/Page";
import { useFormat } from "../../i18n/format";

/** The plant: every line with its machines and their status. */
export function LinesPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const query = useInfiniteQuery({
    queryKey: keys.lines,
    queryFn: ({ pageParam }) => fetchLines(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
  });
  const machines = useQuery({ queryKey: keys.machineOverview, queryFn: fetchMachineOverview, refetchInterval: 30_000 });
  const lines = query.data?.pages.flatMap((p) => p.items) ?? [];
  const byLine = useMemo(() => {
    const map = new Map<string, MachineBrief[]>();
    for (const machine of machines.data?.items ?? []) {
      const list = map.get(machine.lineId) ?? [];
      list.push(machine);
      map.set(machine.lineId, list);
    }
    return map;
  }, [machines.data]);
  // Past the overview's page some lines have more machines than shown: counts are then "at least".
  const partial = machines.data?.hasNextPage ?? false;

  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-3xl font-bold">{t("plant.heading")}</h1>
          <p className="mt-1 text-slate-600 dark:text-slate-400">{t("plant.intro")}</p>
        </div>
        {can.writePlant && <ButtonLink to="/plant/lines/new">{t("plant.newLine")}</ButtonLink>}
      </div>

      <div className="mt-6">
        <QueryState
          // Lines and the machine overview fail or retry together: the cards need both.
          query={{
            isPending: query.isPending,
            isError: query.isError || machines.isError,
            error: query.error ?? machines.error,
            data: query.data ? lines : undefined,
            refetch: () => Promise.all([query.refetch(), machines.refetch()]),
          }}
          isEmpty={(list) => list.length === 0}
          empty={<p className="text-lg text-slate-600 dark:text-slate-400">{t("plant.noLines")}</p>}
        >
          {(list) => (
            <ul className="grid gap-4 xl:grid-cols-2">
              {list.map((line) => (
                <li key={line.id} className="min-w-0">
                  <LineCard
                    line={line}
                    machines={machines.data ? (byLine.get(line.id) ?? []) : null}
                    partial={partial}
                  />
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </div>
      <LoadMore
        hasMore={query.hasNextPage}
        loading={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      />
    </>
  );
}

function LineCard({
  line,
  machines,
  partial,
}: {
  line: LineSummary;
  machines: MachineBrief[] | null;
  partial: boolean;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <article
      className="h-full rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
      data-testid="line-card"
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h2 className="min-w-0 text-xl font-bold break-words">
          <Link
            to={`/plant/lines/${line.id}`}
            className="inline-flex min-h-12 items-center text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
          >
            {line.code} — {line.name}
          </Link>
        </h2>
        <LineStatusBadge status={line.status} />
        {machines && (
          <span className="text-sm text-slate-600 dark:text-slate-400">
            {t("plant.machineCount", { number: format.number(machines.length) + (partial ? "+" : "") })}
          </span>
        )}
      </div>
      {line.description && <p className="mt-1 text-slate-600 dark:text-slate-400">{line.description}</p>}
      {machines === null ? null : machines.length === 0 ? (
        <p className="mt-3 text-slate-500 dark:text-slate-400">{t("plant.noMachines")}</p>
      ) : (
        <ul className="mt-3 flex flex-wrap gap-2">
          {machines.map((machine) => (
            <li key={machine.id} className="min-w-0">
              <Link
                to={`/plant/machines/${machine.id}`}
                className="flex min-h-12 max-w-full items-center gap-2 rounded-lg border border-slate-200 px-3 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
              >
                <span className="font-semibold">{machine.code}</span>
                <span className="min-w-0 truncate text-slate-600 dark:text-slate-400">{machine.name}</span>
                <MachineStatusBadge status={machine.status} />
              </Link>
            </li>
          ))}
        </ul>
      )}
      {partial && (
        <Link
          to={`/plant/lines/${line.id}`}
          className="mt-2 inline-flex min-h-12 items-center font-medium text-blue-700 underline dark:text-blue-400"
        >
          {t("plant.allMachines")}
        </Link>
      )}
    </article>
  );
}
