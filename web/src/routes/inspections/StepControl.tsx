import { useId, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { keys } from "../../api/keys";
import { uploadPhoto } from "../../api/photos";
import { uploadErrorText } from "../../components/photos/PhotoGallery";
import { useImageUrl } from "../../components/photos/useImageUrl";
import type { Step } from "../../api/inspections";
import { controlClass } from "../../components/form/Field";
import { useFormat } from "../../i18n/format";
import { parseDecimal } from "../tools/numbers";
import { badNumber, outsideLimits, type Answer } from "./answers";

const choice =
  "flex min-h-20 flex-1 items-center justify-center gap-3 rounded-2xl border-4 px-6 text-2xl font-bold focus-visible:outline-4 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:cursor-not-allowed disabled:opacity-60";
const idle = "border-slate-300 bg-white text-slate-800 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";

/** A number outside its limits: the whole field red, text included, in both themes. */
const outsideClass = controlClass
  .split(" ")
  .filter((c) => !/^(dark:)?(bg|text|border)-/.test(c))
  .concat("border-2 border-red-600 bg-red-50 text-red-700 dark:border-red-400 dark:bg-red-950 dark:text-red-300")
  .join(" ");

/** The limits of a number step in words: "0 – 5 °C", "at least 4 l/min". */
export function useLimitText(): (step: Step) => string | null {
  const { t } = useTranslation();
  const format = useFormat();
  return (step) => {
    const unit = step.unit ? ` ${step.unit}` : "";
    const n = (value: number) => format.number(value, 6);
    if (step.min !== null && step.max !== null)
      return t("inspection.limits.between", { min: n(step.min), max: n(step.max), unit });
    if (step.min !== null) return t("inspection.limits.atLeast", { min: n(step.min), unit });
    if (step.max !== null) return t("inspection.limits.atMost", { max: n(step.max), unit });
    return null;
  };
}

interface StepControlProps {
  step: Step;
  answer: Answer;
  onChange: (answer: Answer) => void;
  disabled: boolean;
  /** The log the photo of a photo step is attached to. */
  logId?: string;
}

/** The input for one step, sized for gloved hands. */
export function StepControl({ step, answer, onChange, disabled, logId }: StepControlProps) {
  const { t } = useTranslation();
  const id = useId();
  const limitText = useLimitText();

  switch (step.kind) {
    case "check": {
      const done = answer.value === true;
      return (
        <button
          type="button"
          aria-pressed={done}
          disabled={disabled}
          onClick={() => onChange({ ...answer, value: done ? null : true })}
          className={`${choice} w-full ${done ? "border-green-700 bg-green-700 text-white dark:border-green-500 dark:bg-green-500 dark:text-slate-950" : idle}`}
        >
          <span aria-hidden="true">{done ? "✓" : "☐"}</span>
          {done ? t("inspection.step.checked") : t("inspection.step.check")}
        </button>
      );
    }
    case "pass_fail":
      return (
        <div className="flex flex-wrap gap-3" role="group" aria-label={t("inspection.step.passFail")}>
          <button
            type="button"
            aria-pressed={answer.value === true}
            disabled={disabled}
            onClick={() => onChange({ ...answer, value: answer.value === true ? null : true })}
            className={`${choice} ${answer.value === true ? "border-green-700 bg-green-700 text-white dark:border-green-500 dark:bg-green-500 dark:text-slate-950" : idle}`}
          >
            <span aria-hidden="true">✓</span>
            {t("inspection.step.pass")}
          </button>
          <button
            type="button"
            aria-pressed={answer.value === false}
            disabled={disabled}
            onClick={() => onChange({ ...answer, value: answer.value === false ? null : false })}
            className={`${choice} ${answer.value === false ? "border-red-700 bg-red-700 text-white dark:border-red-500 dark:bg-red-500 dark:text-slate-950" : idle}`}
          >
            <span aria-hidden="true">✗</span>
            {t("inspection.step.fail")}
          </button>
        </div>
      );
    case "number": {
      const limits = limitText(step);
      const notANumber = badNumber(step, answer);
      const outside = outsideLimits(step, answer.value);
      const wrong = notANumber || outside;
      const describedBy = [limits && `${id}-limits`, wrong && `${id}-problem`].filter(Boolean).join(" ") || undefined;
      return (
        <div>
          <label htmlFor={id} className="mb-1.5 block font-medium">
            {t("inspection.step.value")}
            {step.unit && ` (${step.unit})`}
          </label>
          <div className="flex items-center gap-3">
            <input
              id={id}
              inputMode="decimal"
              autoComplete="off"
              disabled={disabled}
              value={answer.raw}
              aria-invalid={wrong || undefined}
              aria-describedby={describedBy}
              data-testid="number-input"
              onChange={(e) => {
                const parsed = parseDecimal(e.target.value);
                onChange({ ...answer, raw: e.target.value, value: parsed.ok ? parsed.value : null });
              }}
              className={`${wrong ? outsideClass : controlClass} max-w-60 min-h-16 text-3xl font-bold`}
            />
            {step.unit && <span className="text-2xl font-semibold">{step.unit}</span>}
          </div>
          {limits && (
            <p id={`${id}-limits`} className="mt-1 text-slate-600 dark:text-slate-400">
              {t("inspection.limits.label")}: {limits}
            </p>
          )}
          {wrong && (
            <p
              id={`${id}-problem`}
              data-testid="limit-warning"
              className="mt-1 text-lg font-bold text-red-700 dark:text-red-300"
            >
              {notANumber ? t("errors.details.number") : t("inspection.step.outside", { limits: limits ?? "" })}
            </p>
          )}
        </div>
      );
    }
    case "text":
      return (
        <div>
          <label htmlFor={id} className="mb-1.5 block font-medium">
            {t("inspection.step.answer")}
          </label>
          <textarea
            id={id}
            rows={4}
            disabled={disabled}
            value={typeof answer.value === "string" ? answer.value : ""}
            onChange={(e) => onChange({ ...answer, value: e.target.value })}
            className={`${controlClass} py-2`}
          />
        </div>
      );
    case "photo":
      return <PhotoStep step={step} answer={answer} onChange={onChange} disabled={disabled} logId={logId} />;
  }
}

/**
 * A photo step: the rear camera; the photo is uploaded to the log at once (with the step's text
 * as caption) and its id becomes the step's answer, saved with the log.
 */
function PhotoStep({ step, answer, onChange, disabled, logId }: StepControlProps) {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const photoId = typeof answer.value === "string" && answer.value ? answer.value : null;

  async function take(file: File | undefined) {
    if (!file || !logId) return;
    setError(null);
    setProgress(0);
    try {
      const photo = await uploadPhoto("maintenance_log", logId, file, setProgress, step.text.slice(0, 500));
      onChange({ ...answer, value: photo.id, photo: file.name });
      void client.invalidateQueries({ queryKey: keys.photos("maintenance_log", logId) });
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  }

  return (
    <div className="grid gap-2">
      <label htmlFor={id} className="font-medium">
        {t("inspection.step.photo")}
      </label>
      <input
        id={id}
        type="file"
        accept="image/*"
        capture="environment"
        disabled={disabled || progress !== null || !logId}
        aria-describedby={`${id}-hint`}
        aria-invalid={error ? true : undefined}
        onChange={(e) => void take(e.target.files?.[0])}
        className="block min-h-12 w-full text-lg file:mr-4 file:min-h-12 file:rounded-lg file:border-0 file:bg-blue-700 file:px-5 file:font-semibold file:text-white dark:file:bg-blue-500 dark:file:text-slate-950"
      />
      <p id={`${id}-hint`} data-testid="photo-hint" className="text-slate-600 dark:text-slate-400">
        {t("inspection.step.photoHint")}
      </p>
      {progress !== null && (
        <progress max={1} value={progress} className="h-3 w-48" aria-label={t("photos.uploading")} />
      )}
      {error !== null && (
        <p role="alert" className="font-medium text-red-700 dark:text-red-300" data-testid="field-error">
          {uploadErrorText(t, error)}
        </p>
      )}
      {photoId && (
        <div className="flex items-center gap-3" data-testid="step-photo">
          <StepThumbnail id={photoId} />
          {answer.photo && <span>{t("inspection.step.photoTaken", { name: answer.photo })}</span>}
        </div>
      )}
    </div>
  );
}

function StepThumbnail({ id }: { id: string }) {
  const { url } = useImageUrl(id, "thumbnail");
  return url ? <img src={url} alt="" className="h-24 w-24 rounded-lg object-cover" /> : null;
}
