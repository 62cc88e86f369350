import { useTranslation } from "react-i18next";
import { THEME_MODES, useTheme } from "../theme/theme";

/** A three-way radio group (light / dark / system) styled as a segmented control. */
export function ThemeSwitch() {
  const { t } = useTranslation();
  const [mode, setMode] = useTheme();
  return (
    <fieldset className="flex min-w-0 items-center">
      <legend className="sr-only">{t("theme.label")}</legend>
      <div className="flex rounded-lg border border-slate-300 bg-white p-0.5 dark:border-slate-600 dark:bg-slate-800">
        {THEME_MODES.map((value) => (
          <label
            key={value}
            className="relative flex min-h-12 cursor-pointer items-center rounded-md px-3 text-sm font-medium text-slate-700 select-none hover:bg-slate-100 has-checked:bg-blue-700 has-checked:text-white has-focus-visible:outline-2 has-focus-visible:outline-offset-2 has-focus-visible:outline-blue-600 dark:text-slate-200 dark:hover:bg-slate-700 dark:has-checked:bg-blue-500 dark:has-checked:text-slate-950"
          >
            <input
              type="radio"
              name="hom-theme"
              value={value}
              checked={mode === value}
              onChange={() => setMode(value)}
              className="absolute inset-0 m-0 cursor-pointer appearance-none opacity-0"
            />
            {t(`theme.${value}`)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
