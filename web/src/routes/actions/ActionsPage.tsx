import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { fetchActions, type ActionFilter, type ActionStatus } from "../../api/failures";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { ButtonLink, LoadMore } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { ActionCard } from "./ActionCard";

type View = "mine" | "overdue" | "board";
const VIEWS: View[] = ["mine", "overdue", "board"];
/** The board's columns: the way work flows; cancelled actions stay out of the way. */
const COLUMNS: ActionStatus[] = ["open", "in_progress", "completed", "verified"];

/** Actions: mine, overdue, and the board by status where cards move forward. */
export function ActionsPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const [params, setParams] = useSearchParams();
  const view = (VIEWS as string[]).includes(params.get("view") ?? "") ? (params.get("view") as View) : "mine";
  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-3xl font-bold">{t("actions.heading")}</h1>
        {can.updateActions && <ButtonLink to="/actions/new">{t("actions.new")}</ButtonLink>}
      </div>
      <nav aria-label={t("actions.views")} className="mt-4 border-b border-slate-200 dark:border-slate-700">
        <ul className="flex gap-1 overflow-x-auto">
          {VIEWS.map((v) => (
            <li key={v}>
              <Link
                to={`/actions?view=${v}`}
                replace
                onClick={(e) => {
                  e.preventDefault();
                  setParams({ view: v }, { replace: true });
                }}
                aria-current={view === v ? "page" : undefined}
                className={`inline-flex min-h-12 items-center border-b-4 px-4 font-semibold whitespace-nowrap ${
                  view === v
                    ? "border-blue-700 text-blue-800 dark:border-blue-400 dark:text-blue-200"
                    : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
                }`}
              >
                {t(`actions.view.${v}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="mt-4">
        {view === "board" ? <Board /> : <ActionList filter={view === "mine" ? { mine: true } : { overdue: true }} />}
      </div>
    </>
  );
}

function ActionList({ filter }: { filter: ActionFilter }) {
  const { t } = useTranslation();
  const query = useInfiniteQuery({
    queryKey: keys.actions(filter),
    queryFn: ({ pageParam }) => fetchActions(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
  });
  return (
    <>
      <QueryState
        query={{ ...query, data: query.data?.pages.flatMap((p) => p.items) }}
        isEmpty={(items) => items.length === 0}
        empty={<p className="text-lg">{filter.mine ? t("actions.noneMine") : t("actions.noneOverdue")}</p>}
      >
        {(items) => (
          <ul className="grid gap-3 md:grid-cols-2">
            {items.map((a) => (
              <li key={a.id}>
                <ActionCard action={a} />
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore
        hasMore={query.hasNextPage}
        loading={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      />
    </>
  );
}

function Board() {
  return (
    <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4" data-testid="action-board">
      {COLUMNS.map((status) => (
        <Column key={status} status={status} />
      ))}
    </div>
  );
}

function Column({ status }: { status: ActionStatus }) {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: keys.actions({ status }), queryFn: () => fetchActions({ status }, null, 100) });
  return (
    <section
      aria-labelledby={`col-${status}`}
      data-column={status}
      className="rounded-xl bg-slate-100 p-3 dark:bg-slate-800/60"
    >
      <h2 id={`col-${status}`} className="mb-2 text-lg font-bold">
        {t(`status.action.${status}`)}
        {query.data && (
          <span className="ml-2 text-slate-500">
            {query.data.items.length}
            {query.data.hasNextPage ? "+" : ""}
          </span>
        )}
      </h2>
      <QueryState
        query={query}
        isEmpty={(p) => p.items.length === 0}
        empty={<p className="text-sm">{t("actions.emptyColumn")}</p>}
      >
        {(page) => (
          <ul className="grid gap-2">
            {page.items.map((a) => (
              <li key={a.id}>
                <ActionCard action={a} />
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
