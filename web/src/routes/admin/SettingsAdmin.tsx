import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { fetchSettings, updateSettings, type PlantSettings } from "../../api/admin";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/form/Field";
import { formErrors } from "../../components/form/errors";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { LANGUAGE_NAMES, LANGUAGES } from "../../i18n";
import { Refused } from "./AdminRoutes";
import { FormError } from "../../components/Feedback";

/** Plant settings (admin): the plant's name and the language new accounts start in. */
export function SettingsAdmin() {
  const can = useAbilities();
  const query = useQuery({ queryKey: keys.settings, queryFn: fetchSettings, enabled: can.writeSettings });
  if (!can.writeSettings) return <Refused />;
  return <QueryState query={query}>{(settings) => <SettingsForm settings={settings} />}</QueryState>;
}

function SettingsForm({ settings }: { settings: PlantSettings }) {
  const { t } = useTranslation();
  const format = useFormat();
  const client = useQueryClient();
  const [plantName, setPlantName] = useState(settings.plantName ?? "");
  const [locale, setLocale] = useState(settings.defaultLocale);
  const save = useMutation({
    mutationFn: () => updateSettings({ plantName: plantName.trim() || null, defaultLocale: locale }),
    onSuccess: (saved) => client.setQueryData(keys.settings, saved),
  });
  const { fields, general } = formErrors(t, save.error, ["plantName", "defaultLocale"]);
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="grid max-w-xl gap-4" noValidate data-testid="settings-form">
      <TextField
        label={t("settings.plantName")}
        hint={t("settings.plantNameHint")}
        value={plantName}
        maxLength={100}
        onChange={(e) => setPlantName(e.target.value)}
        error={fields.plantName}
      />
      <SelectField
        label={t("settings.defaultLocale")}
        hint={t("settings.defaultLocaleHint")}
        value={locale}
        onChange={(e) => setLocale(e.target.value)}
        error={fields.defaultLocale}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </SelectField>
      <FormError message={general} />
      {save.isSuccess && (
        <p role="status" className="font-medium text-green-800 dark:text-green-300" data-testid="settings-saved">
          {t("settings.saved")}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? t("common.saving") : t("common.save")}
        </Button>
        {settings.updatedAt && (
          <span className="text-sm text-slate-600 dark:text-slate-400">
            {t("settings.updated", { time: format.dateTime(settings.updatedAt) })}
          </span>
        )}
      </div>
    </form>
  );
}
