import type { ReactNode } from "react";
import { ButtonLink } from "../../components/Page";
import { useTranslation } from "react-i18next";
import type { Plan, Tool } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { PlanStatusBadge } from "../../components/Badge";
import { useFormat } from "../../i18n/format";
import { StartPlanLog } from "../inspections/StartInspection";

const BAR: Record<string, string> = {
  not_due: "bg-green-600",
  warning: "bg-amber-500",
  due: "bg-red-600 dark:bg-red-400",
  overdue: "bg-red-700 dark:bg-red-400",
};
const EDGE: Record<string, string> = {
  not_due: "border-l-green-600",
  warning: "border-l-amber-500",
  due: "border-l-red-600",
  overdue: "border-l-red-700",
};

/** The tool's maintenance plans: how far along each is, and when it will be due at the recent shot rate. */
export function ToolPlans({ tool }: { tool: Tool }) {
  const { t } = useTranslation();
  const can = useAbilities();
  return (
    <section className="mt-8" aria-labelledby="tool-plans">
      <h2 id="tool-plans" className="text-xl font-bold">
        {t("plans.heading")}
      </h2>
      {tool.plans.length === 0 ? (
        <p className="mt-3 text-slate-600 dark:text-slate-400">{t("plans.none")}</p>
      ) : (
        <ul className="mt-3 grid gap-3 xl:grid-cols-2">
          {tool.plans.map((plan) => (
            <li key={plan.id}>
              <PlanCard
                plan={plan}
                action={
                  <>
                    {can.writeMaintenance && tool.status !== "retired" && <StartPlanLog toolId={tool.id} plan={plan} />}
                    {can.updateActions && (
                      <ButtonLink to={`/actions/new?plan=${plan.id}`} variant="secondary">
                        {t("actions.new")}
                      </ButtonLink>
                    )}
                  </>
                }
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PlanCard({ plan, action }: { plan: Plan; action: ReactNode }) {
  const { t } = useTranslation();
  const format = useFormat();
  const every = [
    plan.intervalShots !== null ? t("plans.everyShots", { shots: format.number(plan.intervalShots) }) : null,
    plan.intervalDays !== null ? t("plans.everyDays", { days: format.days(plan.intervalDays) }) : null,
  ]
    .filter(Boolean)
    .join(t("plans.or"));
  const remaining = [
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
    <article
      data-testid="plan"
      className={`h-full rounded-xl border border-l-8 border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900 ${EDGE[plan.status] ?? "border-l-slate-400"}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="min-w-0 text-lg font-semibold break-words">{plan.name}</h3>
        <PlanStatusBadge status={plan.status} />
      </div>
      <p className="text-slate-600 dark:text-slate-400">
        {t(`plans.activity.${plan.activity as "cleaning"}`, { defaultValue: plan.activity })} · {every}
      </p>
      <div
        role="meter"
        aria-label={t("plans.progress")}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(Math.min(plan.progress, 1.5) * 100)}
        aria-valuetext={format.percent(plan.progress)}
        className="mt-2 h-3 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
      >
        <div
          className={`h-full ${BAR[plan.status] ?? "bg-slate-500"}`}
          style={{ width: `${Math.min(100, plan.progress * 100)}%` }}
        />
      </div>
      <p className="mt-1">{remaining.join(" · ")}</p>
      <p className="text-slate-700 dark:text-slate-300" data-testid="plan-forecast">
        {plan.forecastDueDate
          ? t("plans.forecast", { date: format.date(plan.forecastDueDate) })
          : t("plans.noForecast")}
      </p>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {t("plans.lastDone", { date: format.date(plan.lastDoneAt) })}
      </p>
      {action}
    </article>
  );
}
