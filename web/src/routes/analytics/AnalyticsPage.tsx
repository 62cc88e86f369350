import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useAbilities } from "../../auth/user";
import { Button } from "../../components/Button";
import { AgeingTab } from "./AgeingTab";
import { ComplianceTab } from "./ComplianceTab";
import { FailuresTab } from "./FailuresTab";
import { FilterBar } from "./FilterBar";
import { PARAM, period, readFilters, tabQuery, TABS, type Filters, type Tab } from "./filters";
import { ParetoTab } from "./ParetoTab";
import { ReportsPanel } from "./ReportsPanel";
import { SeriesTab } from "./SeriesTab";
import { TopToolsTab } from "./ToolsTabs";
import { UtilisationTab } from "./ToolsTabs";
import { WeeklySchedule } from "./WeeklySchedule";

const TAB_VIEWS: Record<Tab, (props: { query: ReturnType<typeof tabQuery> }) => React.ReactNode> = {
  series: SeriesTab,
  pareto: ParetoTab,
  failures: FailuresTab,
  utilisation: UtilisationTab,
  topTools: TopToolsTab,
  compliance: ComplianceTab,
  ageing: AgeingTab,
};

/**
 * Analytics (docs/analytics.md): one figure per tab under a common filter bar. Everything the view
 * shows is in the address, so a link reproduces it; the figures load with this chunk (uPlot
 * included), never with the start page.
 */
export function AnalyticsPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const now = new Date();
  const query = tabQuery(filters.tab, filters, now);
  const View = TAB_VIEWS[filters.tab];

  const set = (changes: Partial<Omit<Filters, "tab">>) =>
    setParams(
      (p) => {
        for (const [field, value] of Object.entries(changes) as [keyof typeof PARAM, string][]) {
          if (value) p.set(PARAM[field], value);
          else p.delete(PARAM[field]);
        }
        // Custom dates start from the period shown, so switching to "custom" changes nothing at first.
        if (changes.preset === "custom" && !p.has("from")) {
          const shown = period(filters, now);
          p.set("from", shown.from.slice(0, 10));
          p.set("to", new Date(Date.parse(shown.to) - 1).toISOString().slice(0, 10));
        }
        if (changes.preset && changes.preset !== "custom") {
          p.delete("from");
          p.delete("to");
        }
        return p;
      },
      { replace: true },
    );

  const tabLink = (tab: Tab) => {
    const next = new URLSearchParams(params);
    next.set("tab", tab);
    return `/analytics?${next.toString()}`;
  };

  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-3xl font-bold">{t("analytics.heading")}</h1>
        <Button variant="secondary" onClick={() => void client.invalidateQueries({ queryKey: ["analytics"] })}>
          {t("analytics.refresh")}
        </Button>
      </div>
      <nav aria-label={t("analytics.tabs")} className="mt-4 border-b border-slate-200 dark:border-slate-700">
        <ul className="flex gap-1 overflow-x-auto">
          {TABS.map((tab) => (
            <li key={tab}>
              <Link
                to={tabLink(tab)}
                replace
                aria-current={filters.tab === tab ? "page" : undefined}
                className={`inline-flex min-h-12 items-center border-b-4 px-4 font-semibold whitespace-nowrap ${
                  filters.tab === tab
                    ? "border-blue-700 text-blue-800 dark:border-blue-400 dark:text-blue-200"
                    : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
                }`}
              >
                {t(`analytics.tab.${tab}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <FilterBar filters={filters} set={set} />
      {filters.tab === "ageing" && <p className="mt-3 text-slate-600 dark:text-slate-400">{t("analytics.asOfNow")}</p>}
      <View query={query} />
      {can.exportAnalytics && (
        <ReportsPanel
          from={period(filters, now).from}
          to={period(filters, now).to}
          lineId={filters.machineId ? "" : filters.lineId}
        />
      )}
      {/* The weekly mail is a setting (admin); choosing recipients needs the user list. */}
      {can.writeSettings && can.readUsers && <WeeklySchedule />}
    </>
  );
}
