import { useTranslation } from "react-i18next";
import { LANGUAGE_NAMES, LANGUAGES, useLanguage } from "../i18n";

/**
 * English / Polish / Russian as a segmented control next to the theme switch. Each option shows
 * its short code and is named in its own language, so it can be found whatever is shown now.
 */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const [language, setLanguage] = useLanguage();
  return (
    <fieldset className="flex min-w-0 items-center">
      <legend className="sr-only">{t("language.label")}</legend>
      <div className="flex rounded-lg border border-slate-300 bg-white p-0.5 dark:border-slate-600 dark:bg-slate-800">
        {LANGUAGES.map((value) => (
          <label
            key={value}
            lang={value}
            title={LANGUAGE_NAMES[value]}
            className="relative flex min-h-12 min-w-12 cursor-pointer items-center justify-center rounded-md px-2 text-sm font-semibold text-slate-700 uppercase select-none hover:bg-slate-100 has-checked:bg-blue-700 has-checked:text-white has-focus-visible:outline-2 has-focus-visible:outline-offset-2 has-focus-visible:outline-blue-600 dark:text-slate-200 dark:hover:bg-slate-700 dark:has-checked:bg-blue-500 dark:has-checked:text-slate-950"
          >
            <input
              type="radio"
              name="hom-language"
              value={value}
              aria-label={LANGUAGE_NAMES[value]}
              checked={language === value}
              onChange={() => setLanguage(value)}
              className="absolute inset-0 m-0 cursor-pointer appearance-none opacity-0"
            />
            <span aria-hidden="true">{value}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
