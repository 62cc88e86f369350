import { useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { FailureCode } from "../../api/failures";
import { controlClass } from "../../components/form/Field";

/**
 * The failure-code catalogue as big buttons grouped by category, with a search over code, name
 * and description: on a tablet, one tap picks a code. The choice is a radio group for screen readers.
 */
export function FailureCodePicker({
  codes,
  value,
  onChange,
  error,
}: {
  codes: FailureCode[];
  value: string | null;
  onChange: (code: FailureCode) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const id = useId();
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const hits = codes.filter(
      (c) =>
        !needle ||
        c.code.toLowerCase().includes(needle) ||
        c.name.toLowerCase().includes(needle) ||
        (c.description ?? "").toLowerCase().includes(needle) ||
        c.category.toLowerCase().includes(needle),
    );
    const byCategory = new Map<string, FailureCode[]>();
    for (const c of hits) byCategory.set(c.category, [...(byCategory.get(c.category) ?? []), c]);
    return [...byCategory];
  }, [codes, q]);
  const chosen = codes.find((c) => c.id === value);

  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1.5 font-medium">
        {t("failures.code")}
        <span aria-hidden="true" className="text-red-700 dark:text-red-400">
          {" "}
          *
        </span>
      </legend>
      <input
        type="search"
        className={controlClass}
        placeholder={t("failures.codeSearch")}
        aria-label={t("failures.codeSearch")}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        data-testid="code-search"
      />
      {chosen && (
        <p className="mt-2 font-semibold" data-testid="chosen-code">
          {t("failures.chosen", { code: chosen.code, name: chosen.name })}
        </p>
      )}
      <div
        className="mt-2 max-h-96 overflow-y-auto rounded-lg border border-slate-200 p-2 dark:border-slate-700"
        role="radiogroup"
      >
        {groups.length === 0 && <p className="p-2">{t("failures.noCodes")}</p>}
        {groups.map(([category, list]) => (
          <div key={category} className="mb-3">
            <h3 className="mb-1 text-sm font-bold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              {t(`failures.categories.${category as "part_defect"}`, { defaultValue: category.replaceAll("_", " ") })}
            </h3>
            <div className="grid gap-2 sm:grid-cols-2">
              {list.map((c) => (
                <button
                  key={c.id}
                  type="button"
                  role="radio"
                  aria-checked={c.id === value}
                  onClick={() => onChange(c)}
                  data-code={c.code}
                  className={`min-h-12 rounded-lg border-2 px-3 py-2 text-left ${
                    c.id === value
                      ? "border-blue-700 bg-blue-50 dark:border-blue-400 dark:bg-blue-950"
                      : "border-slate-200 bg-white hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
                  }`}
                >
                  <span className="font-mono text-sm font-bold">{c.code}</span>{" "}
                  <span className="font-semibold">{c.name}</span>
                </button>
              ))}
            </div>
          </div>
        ))}
      </div>
      {error && (
        <p id={`${id}-error`} className="mt-1 font-medium text-red-700 dark:text-red-300" data-testid="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
