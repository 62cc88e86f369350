import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { fetchActions, type ActionFilter, type ActionStatus } from "../../api/failures";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { ButtonLink } from "../../components/Page";
import { PagedQueryState, QueryState } from "../../components/QueryState";
import { ActionCard } from "./ActionCard";

type View = "mine" | "overdue" | "outstanding" | "board";
const VIEWS: View[] = ["mine", "overdue", "outstanding", "board"];
const PRIORITIES = ["critical", "high", "medium", "low"] as const;
/** The board's columns: the way work flows; cancelled actions stay out of the way. */
const COLUMNS: ActionStatus[] = ["open", "in_progress", "completed", "verified"];

/**
 * The narrowing an analytics drill-down adds to the overdue and outstanding lists
 * (`?view=outstanding&machine=…&tool=…&priority=…`).
 */
function drillFilter(params: URLSearchParams): ActionFilter {
  const filter: ActionFilter = {};
  const machine = params.get("machine");
  const tool = params.get("tool");
  const priority = params.get("priority");
  if (machine) filter.machineId = machine;
  if (tool) filter.toolId = tool;
  if (priority && (PRIORITIES as readonly string[]).includes(priority)) {
    filter.priority = priority as ActionFilter["priority"];
  }
  return filter;
}

/** Actions: mine, overdue, outstanding (open and in progress), and the board by status where cards move forward. */
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
        {view === "board" ? (
          <Board />
        ) : view === "outstanding" ? (
          <Outstanding narrow={drillFilter(params)} />
        ) : (
          <ActionList filter={view === "mine" ? { mine: true } : { overdue: true, ...drillFilter(params) }} />
        )}
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
      <PagedQueryState
        query={query}
        empty={
          <p className="text-lg">
            {filter.mine ? t("actions.noneMine") : filter.status ? t("actions.emptyColumn") : t("actions.noneOverdue")}
          </p>
        }
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
      </PagedQueryState>
    </>
  );
}

/** Actions not yet done: the open ones, then those in progress. */
function Outstanding({ narrow }: { narrow: ActionFilter }) {
  const { t } = useTranslation();
  return (
    <div className="grid gap-6" data-testid="outstanding-actions">
      {(["open", "in_progress"] as const).map((status) => (
        <section key={status} aria-labelledby={`outstanding-${status}`}>
          <h2 id={`outstanding-${status}`} className="mb-2 text-lg font-bold">
            {t(`status.action.${status}`)}
          </h2>
          <ActionList filter={{ status, ...narrow }} />
        </section>
      ))}
    </div>
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
