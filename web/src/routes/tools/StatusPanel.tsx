import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../../api/errors";
import { refreshTool } from "../../api/keys";
import { EDITABLE_TOOL_STATUSES, setToolStatus, type Tool, type ToolStatus } from "../../api/tools";
import { Button } from "../../components/Button";
import { SelectField } from "../../components/form/Field";

/** Engineers move a tool between active, in maintenance and stored (retiring is a manager's separate call). */
export function StatusPanel({ tool }: { tool: Tool }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const headingId = useId();
  const [status, setStatus] = useState<ToolStatus>(tool.status);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (next: ToolStatus) => setToolStatus(tool.id, next),
    onMutate: () => setNotice(null),
    onSuccess: () => setNotice(t("tools.statusChange.saved")),
    onSettled: () => refreshTool(client, tool.id),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!save.isPending && status !== tool.status) save.mutate(status);
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={headingId} className="grid gap-3">
      <h2 id={headingId} className="text-lg font-bold">
        {t("tools.statusChange.heading")}
      </h2>
      <SelectField
        label={t("tools.statusChange.status")}
        hint={tool.machine ? t("tools.statusChange.mountedHint") : undefined}
        value={status}
        onChange={(e) => setStatus(e.target.value as ToolStatus)}
      >
        {EDITABLE_TOOL_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`status.tool.${s}`)}
          </option>
        ))}
      </SelectField>
      <Button
        type="submit"
        variant="secondary"
        disabled={save.isPending || status === tool.status}
        className="justify-self-start"
      >
        {save.isPending ? t("forms.creating") : t("tools.statusChange.save")}
      </Button>
      {save.error && (
        <p role="alert" className="font-medium text-red-800 dark:text-red-200">
          {errorText(save.error)}
        </p>
      )}
      {notice && !save.error && (
        <p role="status" className="font-medium text-green-800 dark:text-green-300">
          {notice}
        </p>
      )}
    </form>
  );
}
