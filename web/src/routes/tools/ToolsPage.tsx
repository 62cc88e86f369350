import { QueryState } from "../../components/QueryState";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useSearchParams } from "react-router";
import { keys } from "../../api/keys";
import { fetchTools, TOOL_STATUSES, type ToolFilter, type ToolSummary } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { ToolStatusBadge } from "../../components/Badge";
import { SelectField, TextField } from "../../components/form/Field";
import { ButtonLink, LoadMore } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { LifeBar } from "./LifeBar";

/** The filter lives in the address (`?q=&location=&status=&mounted=`): back from a tool keeps it. */
function readFilter(params: URLSearchParams): ToolFilter {
  const status = params.get("status") ?? "";
  const mounted = params.get("mounted") ?? "";
  return {
    q: params.get("q") ?? "",
    location: params.get("location") ?? "",
    status: (TOOL_STATUSES as readonly string[]).includes(status) ? (status as ToolFilter["status"]) : "",
    mounted: mounted === "yes" || mounted === "no" ? mounted : "",
  };
}

/** Typing waits this long before the list is asked again. */
const TYPING_MS = 300;

/** The tool registry: search, filters, paged list, and for engineers "Register tool" and CSV import. */
export function ToolsPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const [params, setParams] = useSearchParams();
  const filter = readFilter(params);
  // What is typed shows at once; the address (and the query) follow after a pause.
  const [typed, setTyped] = useState({ q: filter.q, location: filter.location });

  const { pathname } = useLocation();
  const settled = typed.q === filter.q && typed.location === filter.location;
  useEffect(() => {
    if (settled) return;
    const timer = setTimeout(() => {
      // A link followed meanwhile (the next page may still be loading, with this one on screen): stay there.
      if (window.location.pathname !== pathname) return;
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(typed)) {
            if (value.trim()) next.set(key, value);
            else next.delete(key);
          }
          return next;
        },
        { replace: true },
      );
    }, TYPING_MS);
    return () => clearTimeout(timer);
  }, [typed, settled, pathname, setParams]);

  const setChoice = (key: "status" | "mounted", value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  const query = useInfiniteQuery({
    queryKey: keys.tools(filter),
    queryFn: ({ pageParam }) => fetchTools(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    // The old list stays while a new filter loads, so the page does not jump.
    placeholderData: keepPreviousData,
  });
  const tools = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-3xl font-bold">{t("tools.heading")}</h1>
          <p className="mt-1 text-slate-600 dark:text-slate-400">{t("tools.intro")}</p>
        </div>
        {can.writeTools && (
          <div className="flex flex-wrap gap-3">
            <ButtonLink to="/tools/import" variant="secondary">
              {t("tools.import.link")}
            </ButtonLink>
            <ButtonLink to="/tools/new">{t("tools.register")}</ButtonLink>
          </div>
        )}
      </div>

      <div role="search" className="mt-6 grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <TextField
          label={t("tools.filter.search")}
          hint={t("tools.filter.searchHint")}
          type="search"
          value={typed.q}
          onChange={(e) => setTyped((d) => ({ ...d, q: e.target.value }))}
        />
        <TextField
          label={t("tools.filter.location")}
          type="search"
          value={typed.location}
          onChange={(e) => setTyped((d) => ({ ...d, location: e.target.value }))}
        />
        <SelectField
          label={t("tools.filter.status")}
          value={filter.status}
          onChange={(e) => setChoice("status", e.target.value)}
        >
          <option value="">{t("tools.filter.anyStatus")}</option>
          {TOOL_STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`status.tool.${status}`)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t("tools.filter.mounted")}
          value={filter.mounted}
          onChange={(e) => setChoice("mounted", e.target.value)}
        >
          <option value="">{t("tools.filter.either")}</option>
          <option value="yes">{t("tools.filter.mountedYes")}</option>
          <option value="no">{t("tools.filter.mountedNo")}</option>
        </SelectField>
      </div>

      <QueryState
        query={query}
        isEmpty={() => tools.length === 0}
        empty={
          <p className="mt-6 text-lg text-slate-600 dark:text-slate-400" data-testid="tools-empty">
            {t("tools.none")}
          </p>
        }
      >
        {() => (
          <ul className={`mt-6 grid gap-3 ${query.isPlaceholderData ? "opacity-60" : ""}`} data-testid="tool-list">
            {tools.map((tool) => (
              <li key={tool.id}>
                <ToolRow tool={tool} />
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

function ToolRow({ tool }: { tool: ToolSummary }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Link
      to={`/tools/${tool.id}`}
      data-testid="tool-row"
      className="grid min-h-12 gap-x-4 gap-y-2 rounded-xl border border-slate-200 bg-white p-4 hover:bg-slate-50 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)] dark:border-slate-800 dark:bg-slate-900 dark:hover:bg-slate-800"
    >
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-lg font-bold text-blue-700 dark:text-blue-400">{tool.assetNumber}</span>
          <ToolStatusBadge status={tool.status} />
        </div>
        <p className="truncate">{tool.name}</p>
        {tool.partNumber && (
          <p className="truncate text-sm text-slate-600 dark:text-slate-400">
            {t("tools.fields.partNumber")}: {tool.partNumber}
          </p>
        )}
      </div>
      <div className="min-w-0 text-slate-700 dark:text-slate-300">
        {tool.machine ? (
          <p className="truncate">
            <span className="text-slate-600 dark:text-slate-400">{t("tools.mountedOn")}: </span>
            <span className="font-semibold">{tool.machine.code}</span>
          </p>
        ) : (
          <p className="truncate">
            <span className="text-slate-600 dark:text-slate-400">{t("tools.fields.location")}: </span>
            {tool.location ?? t("tools.noLocation")}
          </p>
        )}
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {t("tools.cavities", {
            active: format.number(tool.activeCavities ?? tool.cavityCount),
            total: format.number(tool.cavityCount),
          })}
        </p>
      </div>
      <LifeBar lifetime={tool.lifetimeShots} rated={tool.ratedLifeShots} compact />
    </Link>
  );
}
