import { ButtonLink } from "../../components/Page";
import { PhotoGallery } from "../../components/photos/PhotoGallery";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { errorDetails, useErrorText } from "../../api/errors";
import { keys, refreshTool } from "../../api/keys";
import { fetchLog, missingSteps, saveLog, type MaintenanceLog, type Step } from "../../api/inspections";
import { useAbilities } from "../../auth/user";
import { LogStatusBadge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { Breadcrumbs } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { answered, answersOf, badNumber, EMPTY_ANSWER, failed, resultsOf, type Answer, type Answers } from "./answers";
import { ReadOnlySteps } from "./ReadOnlySteps";
import { SignPanel } from "./SignPanel";
import { StepControl } from "./StepControl";

/** One maintenance log, run step by step on a tablet, then completed and signed. */
export function InspectionPage() {
  const { logId = "" } = useParams();
  const query = useQuery({ queryKey: keys.maintenanceLog(logId), queryFn: () => fetchLog(logId) });
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  // The answers are set up once per log; after a save the server's copy matches them.
  return <Inspection key={logId} log={query.data} />;
}

function Inspection({ log }: { log: MaintenanceLog }) {
  const { t } = useTranslation();
  const format = useFormat();
  const can = useAbilities();
  const client = useQueryClient();
  const errorText = useErrorText();
  const steps = log.template?.steps ?? [];
  const [answers, setAnswers] = useState<Answers>(() => answersOf(steps, log.results));
  const [observations, setObservations] = useState(log.observations ?? "");
  const [followUp, setFollowUp] = useState(log.followUpRequired);
  const [dirty, setDirty] = useState(false);
  /** Index of the step on screen; steps.length is the closing page (observations, complete, sign). */
  const [current, setCurrent] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  /** Counts edits, so a save that ends after further typing does not mark those as saved. */
  const edits = useRef(0);

  const editable = can.writeMaintenance && log.status !== "signed";
  const afterSave = async ({ saved, version }: { saved: MaintenanceLog; version: number }) => {
    client.setQueryData(keys.maintenanceLog(saved.id), saved);
    if (version === edits.current) setDirty(false);
    if (saved.toolId) await refreshTool(client, saved.toolId);
  };
  const input = () => ({
    results: resultsOf(steps, answers),
    observations: observations.trim() || null,
    followUpRequired: followUp,
  });
  const save = useMutation({
    mutationFn: async () => {
      const version = edits.current;
      return { saved: await saveLog(log.id, input()), version };
    },
    onSuccess: afterSave,
  });
  const complete = useMutation({
    mutationFn: async () => {
      const version = edits.current;
      return { saved: await saveLog(log.id, { ...input(), status: "completed" }), version };
    },
    onMutate: () => setNotice(null),
    onSuccess: async (saved) => {
      await afterSave(saved);
      setNotice(t("inspection.completed"));
    },
  });

  // The server's list of required steps without an answer, until each is answered here.
  const missing = new Set(missingSteps(errorDetails(complete.error)).filter((id) => !answered(answers[id])));

  function go(index: number) {
    if (dirty && editable && !save.isPending) save.mutate();
    setCurrent(Math.max(0, Math.min(index, steps.length)));
  }

  function edited() {
    edits.current += 1;
    setDirty(true);
  }

  function change(stepId: string, answer: Answer) {
    setAnswers((all) => ({ ...all, [stepId]: answer }));
    edited();
    setNotice(null);
  }

  const what = `${t(`inspection.kinds.${log.kind}`)}${log.template ? ` — ${log.template.name}` : ""}`;
  const owner = log.tool
    ? {
        label: log.tool.assetNumber,
        to: `/tools/${log.tool.id}`,
        crumbs: [{ label: t("tools.heading"), to: "/tools" }],
      }
    : log.machine
      ? {
          label: log.machine.code,
          to: `/plant/machines/${log.machine.id}`,
          crumbs: [{ label: t("plant.heading"), to: "/plant" }],
        }
      : null;
  const unansweredRequired = steps.filter((s) => s.required && !answered(answers[s.id]));
  const stepError = save.error && !complete.error ? save.error : null;

  return (
    <>
      <Breadcrumbs
        items={[...(owner ? [...owner.crumbs, { label: owner.label, to: owner.to }] : []), { label: what }]}
      />
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 text-3xl font-bold break-words">{what}</h1>
        <LogStatusBadge status={log.status} large />
      </div>
      <p className="mt-1 text-slate-600 dark:text-slate-400">
        {t("inspection.performedAt", { time: format.dateTime(log.performedAt) })}
        {log.shotsAt !== null && <> · {t("tools.atShots", { shots: format.number(log.shotsAt) })}</>}
        {log.signedAt && <> · {t("inspection.signedAt", { time: format.dateTime(log.signedAt) })}</>}
      </p>

      {!editable ? (
        <ReadOnlySteps log={log} />
      ) : steps.length === 0 ? (
        <p className="mt-6 text-lg">{t("inspection.noChecklist")}</p>
      ) : (
        <>
          <nav aria-label={t("inspection.stepsNav")} className="mt-6">
            <ol className="flex flex-wrap gap-2">
              {steps.map((step, i) => (
                <li key={step.id}>
                  <StepChip
                    index={i}
                    step={step}
                    answer={answers[step.id]}
                    missing={missing.has(step.id)}
                    current={i === current}
                    onClick={() => go(i)}
                  />
                </li>
              ))}
              <li>
                <button
                  type="button"
                  onClick={() => go(steps.length)}
                  aria-current={current === steps.length ? "step" : undefined}
                  className={`min-h-12 rounded-lg border-2 px-4 font-semibold ${current === steps.length ? "border-blue-700 bg-blue-50 dark:border-blue-400 dark:bg-blue-950" : "border-slate-300 dark:border-slate-600"}`}
                >
                  {t("inspection.finish")}
                </button>
              </li>
            </ol>
          </nav>

          {missing.size > 0 && (
            <div
              role="alert"
              data-testid="missing-steps"
              className="mt-4 rounded-lg bg-red-50 px-4 py-3 text-red-800 dark:bg-red-950 dark:text-red-200"
            >
              <p className="font-bold">{t("inspection.missingHeading")}</p>
              <ul className="mt-1 flex flex-wrap gap-2">
                {steps.map((step, i) =>
                  missing.has(step.id) ? (
                    <li key={step.id}>
                      <button
                        type="button"
                        onClick={() => go(i)}
                        className="min-h-12 rounded-lg px-2 text-left font-medium underline"
                      >
                        {t("inspection.stepNumber", { n: i + 1 })}: {step.text}
                      </button>
                    </li>
                  ) : null,
                )}
              </ul>
            </div>
          )}

          {current < steps.length ? (
            <StepCard
              logId={log.id}
              index={current}
              total={steps.length}
              step={steps[current]}
              answer={answers[steps[current].id] ?? EMPTY_ANSWER}
              missing={missing.has(steps[current].id)}
              onChange={(answer) => change(steps[current].id, answer)}
              onPrevious={current > 0 ? () => go(current - 1) : null}
              onNext={() => go(current + 1)}
            />
          ) : (
            <section
              className="mt-4 rounded-xl border border-slate-200 bg-white p-4 sm:p-6 dark:border-slate-800 dark:bg-slate-900"
              aria-labelledby="finish"
            >
              <h2 id="finish" className="text-2xl font-bold">
                {t("inspection.finish")}
              </h2>
              <label htmlFor="observations" className="mt-4 mb-1.5 block font-medium">
                {t("inspection.observations")}
              </label>
              <textarea
                id="observations"
                rows={3}
                value={observations}
                onChange={(e) => {
                  setObservations(e.target.value);
                  edited();
                }}
                className="block w-full rounded-lg border border-slate-300 bg-white px-4 py-2 text-lg dark:border-slate-600 dark:bg-slate-900"
              />
              <label className="mt-4 flex min-h-12 items-center gap-3 text-lg">
                <input
                  type="checkbox"
                  className="size-7"
                  checked={followUp}
                  onChange={(e) => {
                    setFollowUp(e.target.checked);
                    edited();
                  }}
                />
                {t("inspection.followUp")}
              </label>
              {log.status === "draft" && unansweredRequired.length > 0 && (
                <p className="mt-3 text-slate-700 dark:text-slate-300">
                  {t("inspection.requiredLeft", { number: unansweredRequired.length })}
                </p>
              )}
              <div className="mt-4 flex flex-wrap gap-3">
                {log.status === "draft" ? (
                  <>
                    <Button
                      className="min-h-16 px-8 text-xl"
                      disabled={complete.isPending}
                      onClick={() => complete.mutate()}
                    >
                      {complete.isPending ? t("forms.creating") : t("inspection.complete")}
                    </Button>
                    <Button variant="secondary" disabled={save.isPending || !dirty} onClick={() => save.mutate()}>
                      {save.isPending ? t("forms.creating") : t("inspection.saveDraft")}
                    </Button>
                  </>
                ) : (
                  <Button variant="secondary" disabled={save.isPending || !dirty} onClick={() => save.mutate()}>
                    {save.isPending ? t("forms.creating") : t("inspection.saveCorrections")}
                  </Button>
                )}
              </div>
              {complete.error && missing.size === 0 && (
                <p role="alert" className="mt-3 font-medium text-red-800 dark:text-red-200">
                  {errorText(complete.error)}
                </p>
              )}
            </section>
          )}
          {stepError && (
            <p
              role="alert"
              className="mt-3 rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
            >
              {errorText(stepError)}
            </p>
          )}
          {!dirty && save.isSuccess && !notice && (
            <p role="status" className="mt-3 text-slate-600 dark:text-slate-400">
              {t("inspection.saved")}
            </p>
          )}
        </>
      )}

      {notice && (
        <p
          role="status"
          className="mt-4 rounded-lg bg-green-50 px-4 py-3 font-medium text-green-900 dark:bg-green-950 dark:text-green-200"
        >
          {notice}
        </p>
      )}
      {log.status !== "draft" && log.actionRequests.length > 0 && (
        <section className="mt-6" aria-labelledby="follow-ups">
          <h2 id="follow-ups" className="text-xl font-bold">
            {t("inspection.followUps")}
          </h2>
          <ul className="mt-2 list-disc pl-6" data-testid="follow-ups">
            {log.actionRequests.map((r) => (
              <li key={r.id}>
                {r.title}
                {r.note && <span className="text-slate-600 dark:text-slate-400"> — {r.note}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {log.status === "completed" && can.writeMaintenance && <SignPanel log={log} blocked={dirty} />}
      {can.updateActions && log.status !== "draft" && (
        <div className="mt-6">
          <ButtonLink to={`/actions/new?log=${log.id}`} variant="secondary">
            {t("actions.new")}
          </ButtonLink>
        </div>
      )}
      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <PhotoGallery entityType="maintenance_log" entityId={log.id} canWrite={can.writePhotos} />
      </section>
    </>
  );
}

function StepChip({
  index,
  step,
  answer,
  missing,
  current,
  onClick,
}: {
  index: number;
  step: Step;
  answer: Answer | undefined;
  missing: boolean;
  current: boolean;
  onClick: () => void;
}) {
  const { t } = useTranslation();
  const isFailed = failed(step, answer);
  const done = answered(answer);
  const tone = missing
    ? "border-red-700 bg-red-100 text-red-900 dark:border-red-400 dark:bg-red-950 dark:text-red-200"
    : isFailed
      ? "border-red-600 bg-red-600 text-white dark:border-red-400 dark:bg-red-500 dark:text-slate-950"
      : done
        ? "border-green-700 bg-green-100 text-green-900 dark:border-green-500 dark:bg-green-950 dark:text-green-200"
        : "border-slate-300 bg-white text-slate-800 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";
  const state = missing
    ? t("inspection.chip.missing")
    : isFailed
      ? t("inspection.chip.failed")
      : done
        ? t("inspection.chip.done")
        : t("inspection.chip.open");
  return (
    <button
      type="button"
      onClick={onClick}
      aria-current={current ? "step" : undefined}
      aria-label={`${t("inspection.stepNumber", { n: index + 1 })}: ${step.text} (${state})`}
      title={step.text}
      data-testid="step-chip"
      data-state={missing ? "missing" : isFailed ? "failed" : done ? "done" : "open"}
      className={`size-12 rounded-lg border-2 text-lg font-bold ${tone} ${current ? "ring-4 ring-blue-500" : ""}`}
    >
      {index + 1}
      {missing && <span aria-hidden="true">!</span>}
    </button>
  );
}

function StepCard({
  logId,
  index,
  total,
  step,
  answer,
  missing,
  onChange,
  onPrevious,
  onNext,
}: {
  logId: string;
  index: number;
  total: number;
  step: Step;
  answer: Answer;
  missing: boolean;
  onChange: (answer: Answer) => void;
  onPrevious: (() => void) | null;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  return (
    <section
      className={`mt-4 rounded-xl border-2 bg-white p-4 sm:p-6 dark:bg-slate-900 ${missing ? "border-red-600 dark:border-red-400" : "border-slate-200 dark:border-slate-800"}`}
      aria-labelledby={`step-${step.id}`}
      data-testid="step"
    >
      <p className="text-slate-600 dark:text-slate-400">
        {t("inspection.stepOf", { n: index + 1, total })}
        {step.required && (
          <span className="ml-2 rounded bg-slate-100 px-2 py-0.5 text-sm font-semibold dark:bg-slate-800">
            {t("inspection.required")}
          </span>
        )}
      </p>
      <h2 id={`step-${step.id}`} className="mt-1 text-2xl font-bold break-words">
        {step.text}
      </h2>
      {step.guidance && <p className="mt-2 text-lg text-slate-700 dark:text-slate-300">{step.guidance}</p>}
      {missing && (
        <p className="mt-2 text-lg font-bold text-red-700 dark:text-red-300" data-testid="step-missing">
          {t("errors.details.requiredStep")}
        </p>
      )}
      <div className="mt-4">
        <StepControl step={step} answer={answer} onChange={onChange} disabled={false} logId={logId} />
      </div>
      <details className="mt-4" open={answer.note !== ""}>
        <summary className="flex min-h-12 cursor-pointer items-center font-medium">{t("inspection.note")}</summary>
        <textarea
          aria-label={t("inspection.note")}
          rows={2}
          value={answer.note}
          onChange={(e) => onChange({ ...answer, note: e.target.value })}
          className="block w-full rounded-lg border border-slate-300 bg-white px-4 py-2 text-lg dark:border-slate-600 dark:bg-slate-900"
        />
      </details>
      <div className="mt-6 flex gap-3">
        <Button
          variant="secondary"
          className="min-h-16 flex-1 text-xl"
          disabled={!onPrevious}
          onClick={() => onPrevious?.()}
        >
          ← {t("inspection.previous")}
        </Button>
        <Button className="min-h-16 flex-1 text-xl" onClick={onNext}>
          {index + 1 === total ? t("inspection.toFinish") : t("inspection.next")} →
        </Button>
      </div>
      {badNumber(step, answer) && <span className="sr-only">{t("errors.details.number")}</span>}
    </section>
  );
}
