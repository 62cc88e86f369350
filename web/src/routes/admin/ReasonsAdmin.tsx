import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { createReason, fetchAllReasons, updateReason, type AdminReason, type NewReason } from "../../api/admin";
import { keys } from "../../api/keys";
import type { DowntimeCategory } from "../../api/plant";
import { useAbilities } from "../../auth/user";
import { Badge, CategoryBadge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { formErrors } from "../../components/form/errors";
import { SelectField, TextField } from "../../components/form/Field";
import { Refused } from "./AdminRoutes";

const CATEGORIES: DowntimeCategory[] = ["unplanned", "planned", "excluded"];
const REASON_FIELDS = ["code", "name", "category", "countsAsFailure", "parentId"] as const;

/** After a change: this page and the operators' reason picker. */
function useRefreshReasons() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.adminReasons }),
      client.invalidateQueries({ queryKey: keys.reasonTree }),
    ]);
}

/**
 * The downtime reason tree (two levels): add groups and reasons, rename, deactivate. Codes, the
 * place in the tree and the category stay as made: downtimes already recorded point at them.
 */
export function ReasonsAdmin() {
  const { t } = useTranslation();
  const can = useAbilities();
  const query = useQuery({ queryKey: keys.adminReasons, queryFn: fetchAllReasons, enabled: can.writeCatalog });
  if (!can.writeCatalog) return <Refused />;
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;

  return (
    <div className="grid gap-8">
      <section aria-labelledby="reason-tree-heading">
        <h2 id="reason-tree-heading" className="text-2xl font-bold">
          {t("admin.reasons.heading")}
        </h2>
        <p className="mt-1 text-slate-600 dark:text-slate-400">{t("admin.reasons.intro")}</p>
        <ul className="mt-4 grid gap-4" data-testid="reason-tree">
          {query.data.map((group) => (
            <li
              key={group.id}
              className="rounded-xl border border-slate-200 p-4 dark:border-slate-700"
              data-testid="reason-group"
              data-code={group.code}
            >
              <ReasonRow reason={group} top />
              <ul className="mt-3 grid gap-2 border-l-4 border-slate-200 pl-4 dark:border-slate-700">
                {group.children.map((child) => (
                  <li key={child.id} data-testid="reason" data-code={child.code}>
                    <ReasonRow reason={child} />
                  </li>
                ))}
                <li>
                  <NewReasonForm parent={group} />
                </li>
              </ul>
            </li>
          ))}
        </ul>
      </section>
      <NewReasonForm parent={null} />
    </div>
  );
}

function ReasonRow({ reason, top = false }: { reason: AdminReason; top?: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefreshReasons();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(reason.name);
  const change = useMutation({
    mutationFn: (input: { name?: string; active?: boolean }) => updateReason(reason.id, input),
    onSuccess: async () => {
      setEditing(false);
      await refresh();
    },
  });
  const { fields, general } = formErrors(t, change.error, ["name"]);

  if (editing) {
    return (
      <form
        className="flex flex-wrap items-end gap-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate({ name });
        }}
      >
        <TextField
          className="min-w-60 flex-1"
          label={t("admin.reasons.nameOf", { code: reason.code })}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
          autoFocus
        />
        <Button type="submit" disabled={change.isPending}>
          {t("admin.save")}
        </Button>
        <Button variant="secondary" onClick={() => (setEditing(false), setName(reason.name), change.reset())}>
          {t("forms.cancel")}
        </Button>
        {general && !fields.name && (
          <p role="alert" className="w-full font-medium text-red-700 dark:text-red-300">
            {general}
          </p>
        )}
      </form>
    );
  }
  return (
    <div className={`flex flex-wrap items-center gap-3 ${reason.active ? "" : "opacity-60"}`}>
      <div className="min-w-0 flex-1">
        <p className={top ? "text-lg font-bold" : "font-semibold"}>
          <span data-testid="reason-name">{reason.name}</span>{" "}
          <span className="font-mono text-sm font-normal text-slate-600 dark:text-slate-400">{reason.code}</span>
        </p>
      </div>
      {top && <CategoryBadge category={reason.category} />}
      {reason.countsAsFailure && <Badge tone="red">{t("admin.reasons.countsAsFailure")}</Badge>}
      {!reason.active && <Badge tone="slate">{t("admin.reasons.inactive")}</Badge>}
      <Button variant="secondary" onClick={() => setEditing(true)}>
        {t("admin.reasons.rename")}
      </Button>
      <Button variant="secondary" disabled={change.isPending} onClick={() => change.mutate({ active: !reason.active })}>
        {reason.active ? t("admin.reasons.deactivate") : t("admin.reasons.reactivate")}
      </Button>
      {change.isError && !editing && (
        <p role="alert" className="w-full font-medium text-red-700 dark:text-red-300">
          {general}
        </p>
      )}
    </div>
  );
}

function NewReasonForm({ parent }: { parent: AdminReason | null }) {
  const { t } = useTranslation();
  const refresh = useRefreshReasons();
  const empty: NewReason = {
    code: "",
    name: "",
    category: "unplanned",
    countsAsFailure: false,
    parentId: parent?.id ?? null,
  };
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<NewReason>(empty);
  const save = useMutation({
    mutationFn: createReason,
    onSuccess: async () => {
      setDraft(empty);
      setOpen(false);
      await refresh();
    },
  });
  const { fields, general } = formErrors(t, save.error, REASON_FIELDS);
  const label = parent ? t("admin.reasons.addTo", { group: parent.name }) : t("admin.reasons.addGroup");

  if (!open) {
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        {label}
      </Button>
    );
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!save.isPending) save.mutate(draft);
  }

  return (
    <form
      className="grid max-w-3xl gap-4 rounded-xl bg-slate-50 p-4 sm:grid-cols-2 dark:bg-slate-800/50"
      onSubmit={submit}
      noValidate
      aria-label={label}
      data-testid={parent ? "new-reason" : "new-group"}
    >
      <h3 className="text-lg font-bold sm:col-span-2">{label}</h3>
      <TextField
        label={t("forms.code")}
        hint={t("admin.reasons.codeHint")}
        required
        autoCapitalize="characters"
        spellCheck={false}
        value={draft.code}
        onChange={(e) => setDraft((d) => ({ ...d, code: e.target.value }))}
        error={fields.code}
      />
      <TextField
        label={t("forms.name")}
        required
        value={draft.name}
        onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
        error={fields.name}
      />
      {!parent && (
        <SelectField
          label={t("admin.reasons.category")}
          value={draft.category}
          onChange={(e) => setDraft((d) => ({ ...d, category: e.target.value as DowntimeCategory }))}
          error={fields.category}
        >
          {CATEGORIES.map((category) => (
            <option key={category} value={category}>
              {t(`status.category.${category}`)}
            </option>
          ))}
        </SelectField>
      )}
      <label className="flex min-h-12 items-center gap-3 self-end">
        <input
          type="checkbox"
          className="size-6"
          checked={draft.countsAsFailure}
          onChange={(e) => setDraft((d) => ({ ...d, countsAsFailure: e.target.checked }))}
        />
        <span>{t("admin.reasons.countsAsFailureLabel")}</span>
      </label>
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
          {t("admin.reasons.add")}
        </Button>
        <Button variant="secondary" onClick={() => (setOpen(false), setDraft(empty), save.reset())}>
          {t("forms.cancel")}
        </Button>
      </div>
    </form>
  );
}
