import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { refreshTool } from "../../api/keys";
import { recordShots } from "../../api/tools";
import { Button } from "../../components/Button";
import { formErrors } from "../../components/form/errors";
import { TextField } from "../../components/form/Field";
import { useFormat } from "../../i18n/format";
import { parseWhole } from "./numbers";

/** Shots counted by hand (the press counter read off the display, a run without a feed): a delta. */
export function ShotEntry({ toolId }: { toolId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const client = useQueryClient();
  const headingId = useId();
  const [text, setText] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (count: number) => recordShots(toolId, count),
    onMutate: () => setNotice(null),
    onSuccess: (entry) => {
      setText("");
      setNotice(t("tools.shotEntry.added", { number: format.number(entry.delta) }));
    },
    onSettled: () => refreshTool(client, toolId),
  });
  const server = formErrors(t, save.error, ["count"]);
  const error = local ?? server.fields.count;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (save.isPending) return;
    const parsed = parseWhole(text);
    if (!parsed.ok || parsed.value === null) {
      setLocal(parsed.ok ? t("errors.details.required") : t("errors.details.wholeNumber"));
      save.reset();
      return;
    }
    setLocal(null);
    save.mutate(parsed.value);
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={headingId} data-testid="shot-entry">
      <h2 id={headingId} className="mb-2 text-lg font-bold">
        {t("tools.shotEntry.heading")}
      </h2>
      <div className="grid gap-3">
        <TextField
          label={t("tools.shotEntry.count")}
          hint={t("tools.shotEntry.hint")}
          inputMode="numeric"
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={error}
        />
        <Button type="submit" disabled={save.isPending} className="justify-self-start">
          {save.isPending ? t("forms.creating") : t("tools.shotEntry.submit")}
        </Button>
      </div>
      {!error && server.general && (
        <p role="alert" className="mt-2 font-medium text-red-800 dark:text-red-200">
          {server.general}
        </p>
      )}
      {notice && (
        <p role="status" className="mt-2 font-medium text-green-800 dark:text-green-300">
          {notice}
        </p>
      )}
    </form>
  );
}
