import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import {
  FAILURE_STATUSES,
  fetchFailures,
  SEVERITIES,
  type FailureFilter,
  type FailureSummary,
} from "../../api/failures";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { FailureStatusBadge, SeverityBadge } from "../../components/Badge";
import { SelectField } from "../../components/form/Field";
import { ButtonLink } from "../../components/Page";
import { PagedQueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";

/** The narrowing an analytics drill-down adds to the address (`?code=…&machine=…&from=…&to=…`). */
const DRILL_PARAMS = [
  ["failureCodeId", "code"],
  ["machineId", "machine"],
  ["toolId", "tool"],
  ["from", "from"],
  ["to", "to"],
] as const;

/**
 * Every failure report, newest first, filtered by status and severity (kept in the address), and
 * by code, machine, tool and period when opened from the analytics.
 */
export function FailuresPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const [params, setParams] = useSearchParams();
  const filter: FailureFilter = {
    ...(params.get("status") ? { status: params.get("status") as FailureFilter["status"] } : {}),
    ...(params.get("severity") ? { severity: params.get("severity") as FailureFilter["severity"] } : {}),
  };
  for (const [field, param] of DRILL_PARAMS) {
    const value = params.get(param);
    if (value) filter[field] = value;
  }
  const drilled = DRILL_PARAMS.some(([, param]) => params.has(param));
  const query = useInfiniteQuery({
    queryKey: keys.failures(filter),
    queryFn: ({ pageParam }) => fetchFailures(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    placeholderData: keepPreviousData,
  });
  const set = (name: string, value: string) =>
    setParams(
      (p) => {
        if (value) p.set(name, value);
        else p.delete(name);
        return p;
      },
      { replace: true },
    );

  return (
    <>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-3xl font-bold">{t("failures.heading")}</h1>
        {can.reportFailures && <ButtonLink to="/failures/new">{t("failures.report")}</ButtonLink>}
      </div>
      <div className="mt-4 grid max-w-2xl gap-3 sm:grid-cols-2">
        <SelectField
          label={t("failures.status")}
          value={filter.status ?? ""}
          onChange={(e) => set("status", e.target.value)}
        >
          <option value="">{t("failures.anyStatus")}</option>
          {FAILURE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.failure.${s}`)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t("failures.severity")}
          value={filter.severity ?? ""}
          onChange={(e) => set("severity", e.target.value)}
        >
          <option value="">{t("failures.anySeverity")}</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {t(`status.severity.${s}`)}
            </option>
          ))}
        </SelectField>
      </div>
      {drilled && (
        <p className="mt-3 flex flex-wrap items-center gap-3" data-testid="failures-narrowed">
          {t("failures.narrowed")}
          <Link
            to="/failures"
            className="inline-flex min-h-12 items-center font-semibold text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
          >
            {t("failures.showAll")}
          </Link>
        </p>
      )}
      <div className="mt-4">
        <PagedQueryState query={query} empty={<p className="text-lg">{t("failures.none")}</p>}>
          {(items) => (
            <ul className="grid gap-2">
              {items.map((f) => (
                <FailureRow key={f.id} failure={f} />
              ))}
            </ul>
          )}
        </PagedQueryState>
      </div>
    </>
  );
}

export function FailureRow({ failure }: { failure: FailureSummary }) {
  const format = useFormat();
  const target = failure.tool
    ? `${failure.tool.assetNumber} — ${failure.tool.name}`
    : failure.machine
      ? `${failure.machine.code} — ${failure.machine.name}`
      : "";
  return (
    <li data-testid="failure-row">
      <Link
        to={`/failures/${failure.id}`}
        className="block min-h-12 rounded-lg border border-slate-200 bg-white px-4 py-2 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
      >
        <span className="flex flex-wrap items-center gap-2">
          <span className="font-mono font-bold">{failure.failureCode?.code}</span>
          <span className="font-semibold">{failure.failureCode?.name}</span>
          <span className="ml-auto flex gap-2">
            <SeverityBadge severity={failure.severity} />
            <FailureStatusBadge status={failure.status} />
          </span>
        </span>
        <span className="mt-1 block text-sm text-slate-600 dark:text-slate-400">
          {target} · {format.dateTime(failure.occurredAt)}
        </span>
        {failure.description && <span className="mt-1 block truncate">{failure.description}</span>}
      </Link>
    </li>
  );
}
