import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useErrorText } from "../../api/errors";
import { keys } from "../../api/keys";
import { fetchTemplates, LOG_KINDS, startLog, type LogKind } from "../../api/inspections";
import type { Plan } from "../../api/tools";
import { Button } from "../../components/Button";
import { SelectField } from "../../components/form/Field";

type Owner = { toolId: string; machineId?: undefined } | { machineId: string; toolId?: undefined };

/** Start a maintenance log on a checklist for a tool or a machine, then run it step by step. */
export function StartInspection({ owner }: { owner: Owner }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const client = useQueryClient();
  const headingId = useId();
  const appliesTo = owner.toolId ? "tool" : "machine";
  const templates = useQuery({
    queryKey: keys.checklistTemplates(appliesTo),
    queryFn: () => fetchTemplates(appliesTo),
  });
  const [templateId, setTemplateId] = useState("");
  const [kind, setKind] = useState<LogKind>(owner.toolId ? "post_run_inspection" : "preventive");
  const start = useMutation({
    mutationFn: (template: string) => startLog({ ...owner, kind, templateId: template }),
    onSuccess: async (log) => {
      await client.invalidateQueries({ queryKey: keys.toolHistory(owner.toolId ?? "") });
      await navigate(`/inspections/${log.id}`);
    },
  });
  const chosen = templateId || templates.data?.[0]?.id || "";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!start.isPending && chosen) {
      start.mutate(chosen);
    }
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-labelledby={headingId}
      className="grid gap-3"
      data-testid="start-inspection"
    >
      <h2 id={headingId} className="text-lg font-bold">
        {t("inspection.start.heading")}
      </h2>
      <SelectField
        label={t("inspection.start.checklist")}
        value={chosen}
        onChange={(e) => setTemplateId(e.target.value)}
        disabled={templates.isPending}
      >
        {templates.isPending && <option value="">{t("loading")}</option>}
        {templates.data?.length === 0 && <option value="">{t("inspection.start.noChecklists")}</option>}
        {templates.data?.map((template) => (
          <option key={template.id} value={template.id}>
            {template.name}
          </option>
        ))}
      </SelectField>
      <SelectField label={t("inspection.start.kind")} value={kind} onChange={(e) => setKind(e.target.value as LogKind)}>
        {LOG_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`inspection.kinds.${k}`)}
          </option>
        ))}
      </SelectField>
      <Button type="submit" disabled={!chosen || start.isPending} className="justify-self-start">
        {start.isPending ? t("forms.creating") : t("inspection.start.submit")}
      </Button>
      {(start.error || templates.error) && (
        <p role="alert" className="font-medium text-red-800 dark:text-red-200">
          {errorText(start.error ?? templates.error)}
        </p>
      )}
    </form>
  );
}

const KIND_OF_ACTIVITY: Record<string, LogKind> = {
  inspection: "post_run_inspection",
  cleaning: "cleaning",
  lubrication: "lubrication",
};

/** "Record this maintenance" on a plan: a log for the plan, on the plan's checklist; completing it resets the plan. */
export function StartPlanLog({ toolId, plan }: { toolId: string; plan: Plan }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const start = useMutation({
    mutationFn: () => startLog({ toolId, planId: plan.id, kind: KIND_OF_ACTIVITY[plan.activity] ?? "preventive" }),
    onSuccess: (log) => navigate(`/inspections/${log.id}`),
  });
  return (
    <div className="mt-3">
      <Button variant="secondary" disabled={start.isPending} onClick={() => start.mutate()}>
        {start.isPending ? t("forms.creating") : t("plans.record")}
      </Button>
      {start.error && (
        <p role="alert" className="mt-2 font-medium text-red-800 dark:text-red-200">
          {errorText(start.error)}
        </p>
      )}
    </div>
  );
}
