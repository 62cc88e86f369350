import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import {
  fetchFailure,
  ROOT_CAUSE_CATEGORIES,
  updateFailure,
  type FailureReport,
  type FailureStatus,
  type InvestigationInput,
  type RootCauseCategory,
} from "../../api/failures";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { FailureStatusBadge, SeverityBadge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { SelectField, TextArea } from "../../components/form/Field";
import { formErrors } from "../../components/form/errors";
import { Breadcrumbs, ButtonLink } from "../../components/Page";
import { PhotoGallery } from "../../components/photos/PhotoGallery";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { ActionCard } from "../actions/ActionCard";
import { FormError } from "../../components/Feedback";

const panel = "min-w-0 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/** One failure report: what happened, its photos (drawn on), the investigation and its actions. */
export function FailurePage() {
  const { failureId = "" } = useParams();
  const { t } = useTranslation();
  const query = useQuery({ queryKey: keys.failure(failureId), queryFn: () => fetchFailure(failureId) });
  return (
    <>
      <Breadcrumbs items={[{ label: t("failures.heading"), to: "/failures" }, { label: t("failures.one") }]} />
      <QueryState query={query}>{(report) => <Report report={report} />}</QueryState>
    </>
  );
}

function Report({ report }: { report: FailureReport }) {
  const { t } = useTranslation();
  const can = useAbilities();
  const format = useFormat();
  const [params] = useSearchParams();
  const target = report.tool
    ? { to: `/tools/${report.tool.id}`, label: `${report.tool.assetNumber} — ${report.tool.name}` }
    : report.machine
      ? { to: `/plant/machines/${report.machine.id}`, label: `${report.machine.code} — ${report.machine.name}` }
      : null;
  return (
    <>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-3xl font-bold">
          <span className="font-mono">{report.failureCode?.code}</span> {report.failureCode?.name}
        </h1>
        <SeverityBadge severity={report.severity} />
        <FailureStatusBadge status={report.status} large />
      </div>
      <p className="mt-2 text-slate-700 dark:text-slate-300">
        {target && (
          <Link
            to={target.to}
            className="font-semibold text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
          >
            {target.label}
          </Link>
        )}{" "}
        · {t("failures.occurred", { time: format.dateTime(report.occurredAt) })}
        {report.shotsAt !== null && <> · {t("failures.shotsAt", { shots: format.number(report.shotsAt) })}</>}
      </p>
      {report.description && (
        <p className="mt-3 max-w-3xl text-lg whitespace-pre-wrap" data-testid="failure-description">
          {report.description}
        </p>
      )}
      <div className="mt-6 grid gap-6 xl:grid-cols-2">
        <div className={panel}>
          <PhotoGallery
            entityType="failure_report"
            entityId={report.id}
            canWrite={can.writePhotos && report.status !== "closed"}
            annotateAfterUpload={params.get("photo") === "1"}
          />
        </div>
        <Investigation report={report} />
        <section className={`${panel} xl:col-span-2`} aria-labelledby="failure-actions">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h2 id="failure-actions" className="text-xl font-bold">
              {t("actions.heading")}
            </h2>
            {can.updateActions && (
              <ButtonLink to={`/actions/new?failure=${report.id}`} variant="secondary">
                {t("actions.new")}
              </ButtonLink>
            )}
          </div>
          {report.actions.length === 0 ? (
            <p className="mt-3">{t("actions.noneForFailure")}</p>
          ) : (
            <ul className="mt-3 grid gap-2 md:grid-cols-2">
              {report.actions.map((a) => (
                <li key={a.id}>
                  <ActionCard action={a} />
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

/** The investigation: containment, root cause and its category, and the status moves the server allows. */
function Investigation({ report }: { report: FailureReport }) {
  const { t } = useTranslation();
  const can = useAbilities();
  const client = useQueryClient();
  const [containment, setContainment] = useState(report.containmentAction ?? "");
  const [rootCause, setRootCause] = useState(report.rootCause ?? "");
  const [category, setCategory] = useState<RootCauseCategory | "">(report.rootCauseCategory ?? "");
  const save = useMutation({
    mutationFn: (status?: FailureStatus) => {
      const input: InvestigationInput = {};
      if (status) input.status = status;
      // A closed report refuses edits other than reopening.
      if (report.status !== "closed") {
        input.containmentAction = containment.trim() || null;
        input.rootCause = rootCause.trim() || null;
        input.rootCauseCategory = category || null;
      }
      return updateFailure(report.id, input);
    },
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.failure(report.id) }),
        client.invalidateQueries({ queryKey: keys.failureLists }),
      ]),
  });
  const { fields, general } = formErrors(t, save.error, [
    "containmentAction",
    "rootCause",
    "rootCauseCategory",
    "status",
  ]);
  const editable = can.investigateFailures && report.status !== "closed";

  if (!can.investigateFailures) {
    return (
      <section className={panel} aria-labelledby="investigation">
        <h2 id="investigation" className="text-xl font-bold">
          {t("failures.investigation")}
        </h2>
        <dl className="mt-3 grid gap-2">
          <dt className="font-medium">{t("failures.containment")}</dt>
          <dd className="whitespace-pre-wrap">{report.containmentAction ?? "—"}</dd>
          <dt className="font-medium">{t("failures.rootCause")}</dt>
          <dd className="whitespace-pre-wrap">{report.rootCause ?? "—"}</dd>
          <dt className="font-medium">{t("failures.rootCauseCategory")}</dt>
          <dd>{report.rootCauseCategory ? t(`failures.rootCategories.${report.rootCauseCategory}`) : "—"}</dd>
        </dl>
      </section>
    );
  }

  return (
    <section className={panel} aria-labelledby="investigation">
      <h2 id="investigation" className="text-xl font-bold">
        {t("failures.investigation")}
      </h2>
      <div className="mt-3 grid gap-4">
        <TextArea
          label={t("failures.containment")}
          value={containment}
          disabled={!editable}
          onChange={(e) => setContainment(e.target.value)}
          error={fields.containmentAction}
        />
        <TextArea
          label={t("failures.rootCause")}
          value={rootCause}
          disabled={!editable}
          onChange={(e) => setRootCause(e.target.value)}
          error={fields.rootCause}
        />
        <SelectField
          label={t("failures.rootCauseCategory")}
          value={category}
          disabled={!editable}
          onChange={(e) => setCategory(e.target.value as RootCauseCategory | "")}
          error={fields.rootCauseCategory}
        >
          <option value="">—</option>
          {ROOT_CAUSE_CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {t(`failures.rootCategories.${c}`)}
            </option>
          ))}
        </SelectField>
        <FormError message={general} />
        <div className="flex flex-wrap gap-2">
          {editable && (
            <Button variant="secondary" onClick={() => save.mutate(undefined)} disabled={save.isPending}>
              {t("common.save")}
            </Button>
          )}
          {report.status === "open" && (
            <Button variant="secondary" onClick={() => save.mutate("investigating")} disabled={save.isPending}>
              {t("failures.startInvestigation")}
            </Button>
          )}
          {report.status !== "closed" && (
            <Button onClick={() => save.mutate("closed")} disabled={save.isPending} data-testid="close-failure">
              {t("failures.close")}
            </Button>
          )}
          {report.status === "closed" && (
            <Button variant="secondary" onClick={() => save.mutate("investigating")} disabled={save.isPending}>
              {t("failures.reopen")}
            </Button>
          )}
        </div>
      </div>
    </section>
  );
}
