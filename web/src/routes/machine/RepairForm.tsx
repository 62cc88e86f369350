import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { keys, refreshMachine } from "../../api/keys";
import {
  createRepair,
  fetchRecentDowntimes,
  updateRepair,
  type Downtime,
  type Repair,
  type RepairInput,
  type RepairKind,
  type RepairStatus,
} from "../../api/plant";
import { Button } from "../../components/Button";
import { formErrors, fromLocalInput, toLocalInput } from "../../components/form/errors";
import { SelectField, TextArea, TextField } from "../../components/form/Field";
import { useFormat } from "../../i18n/format";
import { useReasonName } from "../../i18n/reasons";

const KINDS: RepairKind[] = ["unscheduled", "scheduled"];
const STATUSES: RepairStatus[] = ["open", "in_progress", "closed"];
/** The input fields this form shows, by their GraphQL names (for the server's field-level errors). */
const FIELDS = [
  "title",
  "kind",
  "status",
  "startDatetime",
  "endDatetime",
  "description",
  "cause",
  "actionsTaken",
  "partsUsed",
  "cost",
  "downtimeId",
] as const;

interface Props {
  machineId: string;
  /** The repair to edit; null records a new one. */
  repair: Repair | null;
  onDone: (saved: Repair) => void;
  onCancel: () => void;
}

function draftOf(repair: Repair | null) {
  return {
    title: repair?.title ?? "",
    kind: repair?.kind ?? "unscheduled",
    status: repair?.status ?? "open",
    start: toLocalInput(repair?.startDatetime ?? new Date().toISOString()),
    end: toLocalInput(repair?.endDatetime),
    description: repair?.description ?? "",
    cause: repair?.cause ?? "",
    actionsTaken: repair?.actionsTaken ?? "",
    partsUsed: repair?.partsUsed ?? "",
    cost: repair?.cost != null ? String(repair.cost) : "",
    downtimeId: repair?.downtimeId ?? "",
  };
}

/** Records or edits a repair of one machine (technicians and above). */
export function RepairForm({ machineId, repair, onDone, onCancel }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const reasonName = useReasonName();
  const client = useQueryClient();
  const headingId = useId();
  const panel = useRef<HTMLElement>(null);
  const [draft, setDraft] = useState(() => draftOf(repair));
  const downtimes = useQuery({
    queryKey: keys.recentDowntimes(machineId),
    queryFn: () => fetchRecentDowntimes(machineId),
  });
  const save = useMutation({
    mutationFn: (input: RepairInput) => (repair ? updateRepair(repair.id, input) : createRepair(machineId, input)),
    onSuccess: onDone,
    onSettled: () => refreshMachine(client, machineId),
  });
  const { fields, general } = formErrors(t, save.error, FIELDS);

  useEffect(() => {
    panel.current?.scrollIntoView({ block: "nearest" });
  }, []);

  const set = (name: keyof typeof draft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (save.isPending) return;
    const cost = draft.cost.trim() === "" ? null : Number(draft.cost);
    save.mutate({
      title: draft.title,
      kind: draft.kind,
      status: draft.status,
      startDatetime: fromLocalInput(draft.start) ?? undefined,
      endDatetime: fromLocalInput(draft.end),
      description: draft.description,
      cause: draft.cause,
      actionsTaken: draft.actionsTaken,
      partsUsed: draft.partsUsed,
      cost: cost !== null && Number.isFinite(cost) ? cost : null,
      downtimeId: draft.downtimeId || null,
    });
  }

  function downtimeLabel(d: Downtime): string {
    const reason = d.reason
      ? (d.reason.parent ? `${reasonName(d.reason.parent)} › ` : "") + reasonName(d.reason)
      : t("history.noReason");
    const length = d.ongoing ? t("history.ongoing") : format.duration(d.durationMinutes ?? 0);
    return `${format.dateTime(d.startDatetime)} · ${length} · ${reason}`;
  }

  const options = downtimes.data ?? [];
  const linkedMissing = draft.downtimeId !== "" && !options.some((d) => d.id === draft.downtimeId);

  return (
    <section
      ref={panel}
      aria-labelledby={headingId}
      className="rounded-2xl border-2 border-blue-600 bg-white p-4 sm:p-6 dark:border-blue-400 dark:bg-slate-900"
      data-testid="repair-form"
    >
      <h2 id={headingId} className="text-2xl font-bold">
        {repair ? t("repair.editHeading") : t("repair.newHeading")}
      </h2>
      <form className="mt-4 grid gap-4 sm:grid-cols-2" onSubmit={submit} noValidate>
        <TextField
          className="sm:col-span-2"
          label={t("repair.title")}
          required
          value={draft.title}
          onChange={set("title")}
          error={fields.title}
          maxLength={200}
        />
        <SelectField label={t("repair.kind")} value={draft.kind} onChange={set("kind")} error={fields.kind}>
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {t(`status.kind.${kind}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t("repair.status")} value={draft.status} onChange={set("status")} error={fields.status}>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`status.repair.${status}`)}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t("repair.start")}
          type="datetime-local"
          value={draft.start}
          onChange={set("start")}
          error={fields.startDatetime}
        />
        <TextField
          label={t("repair.end")}
          type="datetime-local"
          value={draft.end}
          onChange={set("end")}
          error={fields.endDatetime}
          hint={t("repair.endHint")}
        />
        <SelectField
          className="sm:col-span-2"
          label={t("repair.downtime")}
          value={draft.downtimeId}
          onChange={set("downtimeId")}
          error={fields.downtimeId}
          hint={downtimes.isError ? t("repair.downtimesFailed") : undefined}
        >
          <option value="">{t("repair.noDowntime")}</option>
          {linkedMissing && <option value={draft.downtimeId}>{t("repair.linkedDowntime")}</option>}
          {options.map((d) => (
            <option key={d.id} value={d.id} disabled={d.repairId !== null && d.repairId !== repair?.id}>
              {downtimeLabel(d)}
            </option>
          ))}
        </SelectField>
        <TextArea
          className="sm:col-span-2"
          label={t("repair.description")}
          value={draft.description}
          onChange={set("description")}
          error={fields.description}
        />
        <TextArea
          className="sm:col-span-2"
          label={t("repair.cause")}
          value={draft.cause}
          onChange={set("cause")}
          error={fields.cause}
        />
        <TextArea
          className="sm:col-span-2"
          label={t("repair.actionsTaken")}
          value={draft.actionsTaken}
          onChange={set("actionsTaken")}
          error={fields.actionsTaken}
        />
        <TextField
          label={t("repair.partsUsed")}
          value={draft.partsUsed}
          onChange={set("partsUsed")}
          error={fields.partsUsed}
        />
        <TextField
          label={t("repair.cost")}
          type="number"
          inputMode="decimal"
          min={0}
          step="0.01"
          value={draft.cost}
          onChange={set("cost")}
          error={fields.cost}
        />

        {general && (
          <p
            role="alert"
            className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 sm:col-span-2 dark:bg-red-950 dark:text-red-200"
          >
            {general}
          </p>
        )}
        <div className="flex flex-wrap gap-3 sm:col-span-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? t("repair.saving") : t("repair.save")}
          </Button>
          <Button variant="secondary" onClick={onCancel} disabled={save.isPending}>
            {t("repair.cancel")}
          </Button>
        </div>
      </form>
    </section>
  );
}
