import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { keys } from "../../api/keys";
import { createLine, type LineInput, type LineStatus } from "../../api/plant";
import { useAbilities } from "../../auth/user";
import { formErrors } from "../../components/form/errors";
import { SelectField, TextArea, TextField } from "../../components/form/Field";
import { Breadcrumbs } from "../../components/Page";
import { FormActions } from "../../components/form/FormActions";

const STATUSES: LineStatus[] = ["running", "maintenance", "stopped"];
const FIELDS = ["code", "name", "description", "status"] as const;

/** Engineers add a production line. */
export function NewLinePage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [draft, setDraft] = useState<LineInput>({ code: "", name: "", description: "", status: "running" });
  const save = useMutation({
    mutationFn: createLine,
    onSuccess: async (line) => {
      await client.invalidateQueries({ queryKey: keys.lines });
      await navigate(`/plant/lines/${line.id}`);
    },
  });
  const { fields, general } = formErrors(t, save.error, FIELDS);
  const set = (name: keyof LineInput) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!save.isPending) save.mutate(draft);
  }

  return (
    <>
      <Breadcrumbs items={[{ label: t("plant.heading"), to: "/plant" }, { label: t("plant.newLine") }]} />
      <h1 className="text-3xl font-bold">{t("plant.newLine")}</h1>
      {!can.writePlant ? (
        <p className="mt-4 text-lg">{t("errors.forbidden")}</p>
      ) : (
        <form className="mt-6 grid max-w-3xl gap-4 sm:grid-cols-2" onSubmit={submit} noValidate>
          <TextField
            label={t("forms.code")}
            hint={t("forms.codeHint")}
            required
            autoCapitalize="characters"
            spellCheck={false}
            value={draft.code}
            onChange={set("code")}
            error={fields.code}
          />
          <TextField label={t("forms.name")} required value={draft.name} onChange={set("name")} error={fields.name} />
          <SelectField
            label={t("forms.lineStatus")}
            value={draft.status}
            onChange={set("status")}
            error={fields.status}
          >
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`status.line.${status}`)}
              </option>
            ))}
          </SelectField>
          <TextArea
            className="sm:col-span-2"
            label={t("forms.description")}
            value={draft.description}
            onChange={set("description")}
            error={fields.description}
          />
          {general && (
            <p
              role="alert"
              className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 sm:col-span-2 dark:bg-red-950 dark:text-red-200"
            >
              {general}
            </p>
          )}
          <FormActions
            className="sm:col-span-2"
            pending={save.isPending}
            submitLabel={t("forms.createLine")}
            pendingLabel={t("forms.creating")}
            cancelLabel={t("forms.cancel")}
            cancelTo="/plant"
          />
        </form>
      )}
    </>
  );
}
