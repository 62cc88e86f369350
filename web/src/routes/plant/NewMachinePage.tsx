import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { keys } from "../../api/keys";
import { createMachine, fetchLine, type MachineInput } from "../../api/plant";
import { useAbilities } from "../../auth/user";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { formErrors } from "../../components/form/errors";
import { TextArea, TextField } from "../../components/form/Field";
import { Breadcrumbs } from "../../components/Page";
import { FormActions } from "../../components/form/FormActions";

type Draft = Omit<MachineInput, "lineId">;
const FIELDS = [
  "code",
  "name",
  "assetNumber",
  "type",
  "manufacturer",
  "model",
  "serialNumber",
  "notes",
  "lineId",
] as const;
const OPTIONAL = ["assetNumber", "type", "manufacturer", "model", "serialNumber"] as const;

/** Engineers add a machine to a line. */
export function NewMachinePage() {
  const { lineId = "" } = useParams();
  const { t } = useTranslation();
  const can = useAbilities();
  const navigate = useNavigate();
  const client = useQueryClient();
  const line = useQuery({ queryKey: keys.line(lineId), queryFn: () => fetchLine(lineId) });
  const [draft, setDraft] = useState<Draft>({
    code: "",
    name: "",
    assetNumber: "",
    type: "",
    manufacturer: "",
    model: "",
    serialNumber: "",
    notes: "",
  });
  const save = useMutation({
    mutationFn: (input: Draft) => createMachine({ ...input, lineId }),
    onSuccess: async (machine) => {
      await Promise.all([
        client.invalidateQueries({ queryKey: keys.lineMachines(lineId) }),
        client.invalidateQueries({ queryKey: keys.machineOverview }),
        client.invalidateQueries({ queryKey: keys.kpis }),
      ]);
      await navigate(`/plant/machines/${machine.id}`);
    },
  });
  const { fields, general } = formErrors(t, save.error, FIELDS);
  const set = (name: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!save.isPending) save.mutate(draft);
  }

  if (line.isPending) return <Loading />;
  if (line.isError) return <ErrorNotice error={line.error} onRetry={() => void line.refetch()} />;

  return (
    <>
      <Breadcrumbs
        items={[
          { label: t("plant.heading"), to: "/plant" },
          { label: line.data.code, to: `/plant/lines/${lineId}` },
          { label: t("plant.newMachine") },
        ]}
      />
      <h1 className="text-3xl font-bold">
        {t("forms.newMachineOn", { line: `${line.data.code} — ${line.data.name}` })}
      </h1>
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
          {OPTIONAL.map((name) => (
            <TextField
              key={name}
              label={t(`machine.fields.${name}`)}
              value={draft[name]}
              onChange={set(name)}
              error={fields[name]}
            />
          ))}
          <TextArea
            className="sm:col-span-2"
            label={t("machine.fields.notes")}
            value={draft.notes}
            onChange={set("notes")}
            error={fields.notes}
          />
          {(general || fields.lineId) && (
            <p
              role="alert"
              className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 sm:col-span-2 dark:bg-red-950 dark:text-red-200"
            >
              {general}
              {fields.lineId && ` ${fields.lineId}`}
            </p>
          )}
          <FormActions
            className="sm:col-span-2"
            pending={save.isPending}
            submitLabel={t("forms.createMachine")}
            pendingLabel={t("forms.creating")}
            cancelLabel={t("forms.cancel")}
            cancelTo={`/plant/lines/${lineId}`}
          />
        </form>
      )}
    </>
  );
}
