import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { keys } from "../../api/keys";
import { createTool, type ToolInput } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { formErrors } from "../../components/form/errors";
import { TextArea, TextField } from "../../components/form/Field";
import { Breadcrumbs } from "../../components/Page";
import { parseWhole } from "./numbers";
import { FormActions } from "../../components/form/FormActions";

const TEXT = ["assetNumber", "name", "partNumber", "manufacturer", "location", "description"] as const;
const NUMBERS = ["cavityCount", "activeCavities", "ratedLifeShots", "lifetimeShots"] as const;
type Draft = Record<(typeof TEXT)[number] | (typeof NUMBERS)[number], string>;
const FIELDS = [...TEXT, ...NUMBERS];

const EMPTY: Draft = {
  assetNumber: "",
  name: "",
  partNumber: "",
  manufacturer: "",
  location: "",
  description: "",
  cavityCount: "",
  activeCavities: "",
  ratedLifeShots: "",
  lifetimeShots: "",
};

/** Engineers register a mould in the registry. */
export function NewToolPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  /** Fields the form refused before asking the server (not a whole number, required). */
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: createTool,
    onSuccess: async (tool) => {
      await client.invalidateQueries({ queryKey: keys.toolLists });
      await navigate(`/tools/${tool.id}`);
    },
  });
  const server = formErrors(t, save.error, FIELDS);
  const fields = { ...server.fields, ...local };
  const set = (name: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (save.isPending) return;
    const problems: Record<string, string> = {};
    const numbers: Record<string, number | null> = {};
    for (const name of NUMBERS) {
      const parsed = parseWhole(draft[name]);
      if (!parsed.ok) problems[name] = t("errors.details.wholeNumber");
      else numbers[name] = parsed.value;
    }
    if (numbers.cavityCount === null) problems.cavityCount = t("errors.details.required");
    setLocal(problems);
    if (Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    const input: ToolInput = {
      assetNumber: draft.assetNumber,
      name: draft.name,
      partNumber: draft.partNumber,
      manufacturer: draft.manufacturer,
      location: draft.location,
      description: draft.description,
      cavityCount: numbers.cavityCount,
      activeCavities: numbers.activeCavities,
      ratedLifeShots: numbers.ratedLifeShots,
      lifetimeShots: numbers.lifetimeShots,
    };
    save.mutate(input);
  }

  const general = Object.keys(local).length > 0 ? t("errors.invalid") : server.general;

  return (
    <>
      <Breadcrumbs items={[{ label: t("tools.heading"), to: "/tools" }, { label: t("tools.register") }]} />
      <h1 className="text-3xl font-bold">{t("tools.register")}</h1>
      {!can.writeTools ? (
        <p className="mt-4 text-lg">{t("errors.forbidden")}</p>
      ) : (
        <form className="mt-6 grid max-w-3xl gap-4 sm:grid-cols-2" onSubmit={submit} noValidate>
          <TextField
            label={t("tools.fields.assetNumber")}
            hint={t("forms.codeHint")}
            required
            autoCapitalize="characters"
            spellCheck={false}
            value={draft.assetNumber}
            onChange={set("assetNumber")}
            error={fields.assetNumber}
          />
          <TextField
            label={t("tools.fields.name")}
            required
            value={draft.name}
            onChange={set("name")}
            error={fields.name}
          />
          <TextField
            label={t("tools.fields.cavityCount")}
            required
            inputMode="numeric"
            value={draft.cavityCount}
            onChange={set("cavityCount")}
            error={fields.cavityCount}
          />
          <TextField
            label={t("tools.fields.activeCavities")}
            hint={t("tools.fields.activeCavitiesHint")}
            inputMode="numeric"
            value={draft.activeCavities}
            onChange={set("activeCavities")}
            error={fields.activeCavities}
          />
          <TextField
            label={t("tools.fields.partNumber")}
            value={draft.partNumber}
            onChange={set("partNumber")}
            error={fields.partNumber}
          />
          <TextField
            label={t("tools.fields.manufacturer")}
            value={draft.manufacturer}
            onChange={set("manufacturer")}
            error={fields.manufacturer}
          />
          <TextField
            label={t("tools.fields.location")}
            value={draft.location}
            onChange={set("location")}
            error={fields.location}
          />
          <TextField
            label={t("tools.fields.ratedLifeShots")}
            inputMode="numeric"
            value={draft.ratedLifeShots}
            onChange={set("ratedLifeShots")}
            error={fields.ratedLifeShots}
          />
          <TextField
            label={t("tools.fields.lifetimeShots")}
            hint={t("tools.fields.lifetimeShotsHint")}
            inputMode="numeric"
            value={draft.lifetimeShots}
            onChange={set("lifetimeShots")}
            error={fields.lifetimeShots}
          />
          <TextArea
            className="sm:col-span-2"
            label={t("tools.fields.description")}
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
            submitLabel={t("tools.register")}
            pendingLabel={t("forms.creating")}
            cancelLabel={t("forms.cancel")}
            cancelTo="/tools"
          />
        </form>
      )}
    </>
  );
}
