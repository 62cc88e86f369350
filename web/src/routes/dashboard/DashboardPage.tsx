import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  fetchAttentionPlans,
  fetchLineAvailability,
  fetchOpenDowntimes,
  type AttentionPlan,
} from "../../api/dashboard";
import { fetchActions, fetchFailures } from "../../api/failures";
import { keys } from "../../api/keys";
import { CategoryBadge, PlanStatusBadge } from "../../components/Badge";
import { DownFor } from "../../components/DownFor";
import { ButtonLink } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { ActionCard } from "../actions/ActionCard";
import { FailureRow } from "../failures/FailuresPage";
import { useFormat } from "../../i18n/format";
import { useReasonName } from "../../i18n/reasons";

// The chart library (uPlot) comes with the chart, after the lists are on screen.
const AvailabilityChart = lazy(() => import("./AvailabilityChart"));

const panel = "rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/**
 * The office start page: what is down now, which plans need doing, and how available each line
 * has been. Figures refresh every minute while the page is open.
 * Overdue actions and the last 7 days' failure reports sit beside them.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  return (
    <>
      <h1 className="text-3xl font-bold">{t("dashboard.heading")}</h1>
      <div className="mt-6 grid gap-6 xl:grid-cols-2">
        <OpenDowntimes />
        <AttentionPlans />
        <OverdueActions />
        <RecentFailures />
        <Availability />
      </div>
    </>
  );
}

function OpenDowntimes() {
  const { t } = useTranslation();
  const format = useFormat();
  const reasonName = useReasonName();
  const query = useQuery({ queryKey: keys.openDowntimes, queryFn: fetchOpenDowntimes, refetchInterval: 60_000 });
  return (
    <section className={panel} aria-labelledby="dash-downtimes">
      <h2 id="dash-downtimes" className="text-xl font-bold">
        {t("dashboard.openDowntimes")}
        {query.data && query.data.items.length > 0 && (
          <span className="ml-2 text-red-700 dark:text-red-300">{format.number(query.data.items.length)}</span>
        )}
      </h2>
      <QueryState
        query={query}
        isEmpty={(data) => data.items.length === 0}
        empty={<p className="mt-3 text-green-800 dark:text-green-300">{t("dashboard.noOpenDowntimes")}</p>}
      >
        {(data) => (
          <ul className="mt-3 grid gap-2">
            {data.items.map((d) => (
              <li key={d.id} data-testid="open-downtime">
                <Link
                  to={d.machine ? `/plant/machines/${d.machine.id}` : "/plant"}
                  className="block min-h-12 rounded-lg border-l-8 border-red-600 bg-red-50 px-4 py-2 hover:bg-red-100 dark:bg-red-950/50 dark:hover:bg-red-950"
                >
                  <span className="flex flex-wrap items-center gap-2">
                    <span className="font-semibold text-blue-700 dark:text-blue-400">
                      {d.machine ? `${d.machine.code} — ${d.machine.name}` : ""}
                    </span>
                    {d.line && <span className="text-sm text-slate-600 dark:text-slate-400">{d.line.code}</span>}
                    <span className="ml-auto">
                      <CategoryBadge category={d.category} />
                    </span>
                  </span>
                  <span className="mt-1 block text-sm">
                    {t("dashboard.since", { time: format.dateTime(d.startDatetime) })} ·{" "}
                    <DownFor since={d.startDatetime} className="font-semibold" /> ·{" "}
                    {d.reason ? reasonName(d.reason) : <em>{t("dashboard.noReason")}</em>}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function AttentionPlans() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: keys.attentionPlans, queryFn: fetchAttentionPlans, refetchInterval: 60_000 });
  return (
    <section className={panel} aria-labelledby="dash-plans">
      <h2 id="dash-plans" className="text-xl font-bold">
        {t("dashboard.plans")}
      </h2>
      <QueryState
        query={query}
        isEmpty={(data) => data.length === 0}
        empty={<p className="mt-3 text-green-800 dark:text-green-300">{t("dashboard.noPlans")}</p>}
      >
        {(data) => (
          <ul className="mt-3 grid gap-2">
            {data.map((plan) => (
              <PlanRow key={plan.id} plan={plan} />
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function PlanRow({ plan }: { plan: AttentionPlan }) {
  const { t } = useTranslation();
  const format = useFormat();
  const owner = plan.tool
    ? { to: `/tools/${plan.tool.id}`, label: `${plan.tool.assetNumber} — ${plan.tool.name}` }
    : plan.machine
      ? { to: `/plant/machines/${plan.machine.id}`, label: `${plan.machine.code} — ${plan.machine.name}` }
      : null;
  const left = [
    plan.remainingShots !== null
      ? plan.remainingShots >= 0
        ? t("plans.shotsLeft", { shots: format.number(plan.remainingShots) })
        : t("plans.shotsOver", { shots: format.number(-plan.remainingShots) })
      : null,
    plan.remainingDays !== null
      ? plan.remainingDays >= 0
        ? t("plans.daysLeft", { days: format.days(plan.remainingDays) })
        : t("plans.daysOver", { days: format.days(-plan.remainingDays) })
      : null,
  ].filter(Boolean);
  return (
    <li data-testid="attention-plan" className="rounded-lg border border-slate-200 px-4 py-2 dark:border-slate-700">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">{plan.name}</span>
        <span className="text-sm text-slate-600 dark:text-slate-400">
          {t(`plans.activity.${plan.activity}`, { defaultValue: plan.activity })}
        </span>
        <span className="ml-auto">
          <PlanStatusBadge status={plan.status} />
        </span>
      </div>
      <div className="mt-1 flex flex-wrap items-center gap-x-3 text-sm">
        {owner && (
          <Link
            to={owner.to}
            className="inline-flex min-h-12 items-center font-medium text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
          >
            {owner.label}
          </Link>
        )}
        <span>{left.join(" · ")}</span>
        {plan.forecastDueDate && plan.status === "warning" && (
          <span>{t("plans.forecast", { date: format.date(plan.forecastDueDate) })}</span>
        )}
      </div>
    </li>
  );
}

const WEEK_MS = 7 * 86_400_000;

function OverdueActions() {
  const { t } = useTranslation();
  const format = useFormat();
  const query = useQuery({
    queryKey: keys.overdueActions,
    queryFn: () => fetchActions({ overdue: true }, null, 20),
    refetchInterval: 60_000,
  });
  return (
    <section className={panel} aria-labelledby="dash-actions">
      <h2 id="dash-actions" className="text-xl font-bold">
        {t("dashboard.overdueActions")}
        {query.data && query.data.items.length > 0 && (
          <span className="ml-2 text-red-700 dark:text-red-300">
            {format.number(query.data.items.length)}
            {query.data.hasNextPage ? "+" : ""}
          </span>
        )}
      </h2>
      <div className="mt-3">
        <QueryState
          query={query}
          isEmpty={(p) => p.items.length === 0}
          empty={<p className="text-green-800 dark:text-green-300">{t("dashboard.noOverdueActions")}</p>}
        >
          {(page) => (
            <>
              <ul className="grid gap-2" data-testid="overdue-actions">
                {page.items.map((a) => (
                  <li key={a.id}>
                    <ActionCard action={a} />
                  </li>
                ))}
              </ul>
              <div className="mt-3">
                <ButtonLink to="/actions?view=overdue" variant="secondary">
                  {t("dashboard.allOverdue")}
                </ButtonLink>
              </div>
            </>
          )}
        </QueryState>
      </div>
    </section>
  );
}

function RecentFailures() {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: keys.recentFailures,
    queryFn: () => fetchFailures({ from: new Date(Date.now() - WEEK_MS).toISOString() }, null, 10),
    refetchInterval: 60_000,
  });
  return (
    <section className={panel} aria-labelledby="dash-failures">
      <h2 id="dash-failures" className="text-xl font-bold">
        {t("dashboard.recentFailures")}
      </h2>
      <div className="mt-3">
        <QueryState
          query={query}
          isEmpty={(p) => p.items.length === 0}
          empty={<p className="text-green-800 dark:text-green-300">{t("dashboard.noRecentFailures")}</p>}
        >
          {(page) => (
            <ul className="grid gap-2" data-testid="recent-failures">
              {page.items.map((f) => (
                <FailureRow key={f.id} failure={f} />
              ))}
            </ul>
          )}
        </QueryState>
      </div>
    </section>
  );
}

function Availability() {
  const { t } = useTranslation();
  const format = useFormat();
  const query = useQuery({
    queryKey: keys.lineAvailability(30),
    queryFn: () => fetchLineAvailability(),
    refetchInterval: 60_000,
  });
  const cell = (value: number | null) => (
    <td className="px-2 py-2">
      {value === null ? (
        t("kpi.none")
      ) : (
        <span className="flex items-center gap-2">
          <span className="w-16 text-right font-semibold tabular-nums">{format.percent(value)}</span>
          <span className="hidden h-3 w-24 overflow-hidden rounded bg-slate-200 sm:block dark:bg-slate-700" aria-hidden>
            <span
              className={`block h-full ${value >= 0.9 ? "bg-green-600" : value >= 0.75 ? "bg-amber-500" : "bg-red-600"}`}
              style={{ width: `${Math.max(0, Math.min(1, value)) * 100}%` }}
            />
          </span>
        </span>
      )}
    </td>
  );
  return (
    <section className={`${panel} xl:col-span-2`} aria-labelledby="dash-availability">
      <h2 id="dash-availability" className="text-xl font-bold">
        {t("dashboard.availability")}
      </h2>
      <QueryState
        query={query}
        isEmpty={(data) => data.length === 0}
        empty={<p className="mt-3">{t("dashboard.noLines")}</p>}
      >
        {(data) => (
          <div className="mt-3 overflow-x-auto">
            <table className="w-full text-left" data-testid="line-availability">
              <thead>
                <tr className="border-b border-slate-200 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                  <th className="px-2 py-2 font-medium">{t("dashboard.line")}</th>
                  <th className="px-2 py-2 font-medium">{t("dashboard.last7")}</th>
                  <th className="px-2 py-2 font-medium">{t("dashboard.last30")}</th>
                </tr>
              </thead>
              <tbody>
                {data.map((row) => (
                  <tr
                    key={row.line.id}
                    className="border-b border-slate-100 dark:border-slate-800"
                    data-line={row.line.code}
                  >
                    <td className="px-2 py-2">
                      <Link
                        to={`/plant/lines/${row.line.id}`}
                        className="inline-flex min-h-12 items-center font-semibold text-blue-700 dark:text-blue-400"
                      >
                        {row.line.code} — {row.line.name}
                      </Link>
                    </td>
                    {cell(row.last7)}
                    {cell(row.last30)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <Suspense fallback={null}>
        <AvailabilityChart />
      </Suspense>
    </section>
  );
}
