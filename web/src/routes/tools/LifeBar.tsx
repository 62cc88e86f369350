import { useTranslation } from "react-i18next";
import { useFormat } from "../../i18n/format";

/** From this share of the rated life on, the bar turns amber; past it, red. */
const WARN_AT = 0.9;

/** Lifetime shots against the rated life of the mould, as a bar with the numbers. */
export function LifeBar({
  lifetime,
  rated,
  compact = false,
}: {
  lifetime: number;
  rated: number | null;
  compact?: boolean;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const shots = (
    <span data-testid="lifetime-shots" className={compact ? "" : "text-2xl font-bold"}>
      {format.number(lifetime)}
    </span>
  );
  if (!rated) {
    return (
      <div className="min-w-0">
        <p>
          {shots} <span className="text-slate-600 dark:text-slate-400">{t("tools.shots")}</span>
        </p>
        <p className="text-sm text-slate-600 dark:text-slate-400">{t("tools.noRatedLife")}</p>
      </div>
    );
  }
  const ratio = lifetime / rated;
  const colour = ratio > 1 ? "bg-red-600 dark:bg-red-400" : ratio >= WARN_AT ? "bg-amber-500" : "bg-green-600";
  return (
    <div className="min-w-0">
      <p>
        {shots}{" "}
        <span className="text-slate-600 dark:text-slate-400">
          {t("tools.ofRated", { rated: format.number(rated) })}
        </span>
      </p>
      <div
        role="meter"
        aria-label={t("tools.lifeUsed")}
        aria-valuemin={0}
        aria-valuemax={rated}
        aria-valuenow={Math.min(lifetime, rated)}
        aria-valuetext={format.percent(ratio)}
        className={`mt-1 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700 ${compact ? "h-2" : "h-4"}`}
      >
        <div className={`h-full ${colour}`} style={{ width: `${Math.min(100, ratio * 100)}%` }} />
      </div>
      <p className="mt-0.5 text-sm text-slate-600 dark:text-slate-400">
        {t("tools.lifeUsedValue", { percent: format.percent(ratio) })}
      </p>
    </div>
  );
}
