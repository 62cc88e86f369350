import { useTranslation } from "react-i18next";
import type { MaintenanceLog, Step } from "../../api/inspections";
import { Badge } from "../../components/Badge";
import { useFormat } from "../../i18n/format";
import { useLimitText } from "./StepControl";

/** A completed or signed log (or any log for someone who may not fill it in): every step and its answer. */
export function ReadOnlySteps({ log }: { log: MaintenanceLog }) {
  const { t } = useTranslation();
  const format = useFormat();
  const limitText = useLimitText();
  const steps = log.template?.steps ?? [];
  const results = new Map(log.results.map((r) => [r.stepId, r]));

  function valueText(step: Step): string {
    const value = results.get(step.id)?.value ?? null;
    if (value === null) return t("inspection.notDone");
    if (typeof value === "boolean") {
      if (step.kind === "check") return value ? t("inspection.step.checked") : t("inspection.notDone");
      return value ? t("inspection.step.pass") : t("inspection.step.fail");
    }
    if (typeof value === "number") return `${format.number(value, 6)}${step.unit ? ` ${step.unit}` : ""}`;
    // A photo step's value is the photo's id: the photo itself is in the log's gallery.
    if (step.kind === "photo") return t("inspection.step.photoAttached");
    return value;
  }

  return (
    <>
      {steps.length === 0 ? (
        <p className="mt-6 text-lg">{t("inspection.noChecklist")}</p>
      ) : (
        <ol className="mt-6 grid gap-2" data-testid="read-only-steps">
          {steps.map((step, i) => {
            const result = results.get(step.id);
            return (
              <li
                key={step.id}
                className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
              >
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-semibold">
                    {t("inspection.stepNumber", { n: i + 1 })}: {step.text}
                  </span>
                  {result?.passed === false && <Badge tone="red">{t("inspection.chip.failed")}</Badge>}
                  {result?.passed === true && <Badge tone="green">{t("inspection.step.pass")}</Badge>}
                </div>
                <p className={result?.passed === false ? "font-bold text-red-700 dark:text-red-300" : ""}>
                  {valueText(step)}
                  {step.kind === "number" && limitText(step) && (
                    <span className="font-normal text-slate-600 dark:text-slate-400">
                      {" "}
                      ({t("inspection.limits.label")}: {limitText(step)})
                    </span>
                  )}
                </p>
                {result?.note && <p className="text-slate-600 dark:text-slate-400">{result.note}</p>}
              </li>
            );
          })}
        </ol>
      )}
      {log.observations && (
        <p className="mt-4 whitespace-pre-line">
          <span className="font-semibold">{t("inspection.observations")}: </span>
          {log.observations}
        </p>
      )}
    </>
  );
}
