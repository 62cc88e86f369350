import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import {
  ACTION_KINDS,
  createAction,
  fetchPeople,
  SEVERITIES,
  type ActionKind,
  type Severity,
} from "../../api/failures";
import { keys } from "../../api/keys";
import { useAbilities, useUser } from "../../auth/user";
import { SelectField, TextArea, TextField } from "../../components/form/Field";
import { formErrors } from "../../components/form/errors";
import { Refused } from "../../components/Refused";
import { FormError } from "../../components/Feedback";
import { FormActions } from "../../components/form/FormActions";

/**
 * A new action, linked to where it came from: a failure report (`?failure=`), a maintenance log's
 * findings (`?log=`) or a maintenance plan (`?plan=`). The server takes the tool or machine from
 * that link. Without `actions:assign` an action can only be left unassigned or taken oneself.
 */
export function NewActionPage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const me = useUser();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [params] = useSearchParams();
  const link = {
    failureReportId: params.get("failure") ?? undefined,
    maintenanceLogId: params.get("log") ?? undefined,
    planId: params.get("plan") ?? undefined,
  };
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState<ActionKind>(
    link.failureReportId ? "corrective" : link.planId ? "preventive" : "follow_up",
  );
  const [priority, setPriority] = useState<Severity>("medium");
  const [dueDate, setDueDate] = useState("");
  const [assignee, setAssignee] = useState("");
  const people = useQuery({ queryKey: keys.people, queryFn: fetchPeople, enabled: can.assignActions });

  const save = useMutation({
    mutationFn: () =>
      createAction({
        title: title.trim(),
        description: description.trim() || null,
        kind,
        priority,
        dueDate: dueDate || null,
        assigneeId: assignee || null,
        ...link,
      }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.actionLists });
      if (link.failureReportId) {
        await client.invalidateQueries({ queryKey: keys.failure(link.failureReportId) });
        void navigate(`/failures/${link.failureReportId}`);
      } else if (link.maintenanceLogId) void navigate(`/inspections/${link.maintenanceLogId}`);
      else void navigate("/actions?view=board");
    },
  });

  if (!can.updateActions) return <Refused />;
  const { fields, general } = formErrors(t, save.error, [
    "title",
    "description",
    "kind",
    "priority",
    "dueDate",
    "assigneeId",
  ]);

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <>
      <h1 className="text-3xl font-bold">{t("actions.newHeading")}</h1>
      {(link.failureReportId || link.maintenanceLogId || link.planId) && (
        <p className="mt-2 text-slate-700 dark:text-slate-300">
          {link.failureReportId
            ? t("actions.forFailure")
            : link.maintenanceLogId
              ? t("actions.forLog")
              : t("actions.forPlan")}
        </p>
      )}
      <form onSubmit={submit} className="mt-6 grid max-w-2xl gap-4" noValidate>
        <TextField
          label={t("actions.title")}
          required
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={fields.title}
        />
        <TextArea
          label={t("actions.description")}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={fields.description}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField
            label={t("actions.kind")}
            value={kind}
            onChange={(e) => setKind(e.target.value as ActionKind)}
            error={fields.kind}
          >
            {ACTION_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`actions.kinds.${k}`)}
              </option>
            ))}
          </SelectField>
          <SelectField
            label={t("actions.priority")}
            value={priority}
            onChange={(e) => setPriority(e.target.value as Severity)}
            error={fields.priority}
          >
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`status.severity.${s}`)}
              </option>
            ))}
          </SelectField>
          <TextField
            label={t("actions.dueDate")}
            type="date"
            value={dueDate}
            onChange={(e) => setDueDate(e.target.value)}
            error={fields.dueDate}
          />
          <SelectField
            label={t("actions.assignee")}
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
            error={fields.assigneeId}
          >
            <option value="">{t("actions.unassigned")}</option>
            <option value={me.id}>{t("actions.me")}</option>
            {people.data
              ?.filter((p) => p.id !== me.id)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </SelectField>
        </div>
        <FormError message={general} />
        <FormActions
          pending={save.isPending}
          submitLabel={t("actions.create")}
          pendingLabel={t("common.saving")}
          cancelLabel={t("common.cancel")}
        />
      </form>
    </>
  );
}
