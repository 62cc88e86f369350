import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import {
  fetchTemplate,
  saveTemplate,
  STEP_KINDS,
  type AdminTemplate,
  type AppliesTo,
  type TemplateStep,
} from "../../api/admin";
import { detailText, errorDetails } from "../../api/errors";
import type { StepKind } from "../../api/inspections";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { formErrors } from "../../components/form/errors";
import { SelectField, TextArea, TextField } from "../../components/form/Field";
import { Breadcrumbs } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { parseDecimal } from "../tools/numbers";
import { Refused } from "./AdminRoutes";

const APPLIES: AppliesTo[] = ["any", "tool", "machine"];
const TEMPLATE_FIELDS = ["name", "description", "appliesTo", "active", "steps"] as const;

/** A step as typed: limits stay text until saved, so "0,5" and half-typed numbers survive. */
interface DraftStep extends Omit<TemplateStep, "min" | "max"> {
  key: number;
  min: string;
  max: string;
}

interface Draft {
  name: string;
  description: string;
  appliesTo: AppliesTo;
  active: boolean;
  steps: DraftStep[];
}

let nextKey = 1;
const blankStep = (): DraftStep => ({
  key: nextKey++,
  id: null,
  text: "",
  kind: "check",
  required: true,
  unit: "",
  min: "",
  max: "",
  guidance: "",
});

function toDraft(template: AdminTemplate | null): Draft {
  if (!template) return { name: "", description: "", appliesTo: "any", active: true, steps: [blankStep()] };
  return {
    name: template.name,
    description: template.description ?? "",
    appliesTo: template.appliesTo,
    active: template.active,
    steps: template.steps.map((s) => ({
      ...s,
      key: nextKey++,
      unit: s.unit ?? "",
      guidance: s.guidance ?? "",
      min: s.min === null ? "" : String(s.min),
      max: s.max === null ? "" : String(s.max),
    })),
  };
}

/** `/admin/checklists/new`, `/admin/checklists/:id` (the newest version, editable) and `?version=N` (read-only). */
export function TemplateEditor() {
  const can = useAbilities();
  const { templateId } = useParams();
  const [params] = useSearchParams();
  const version = params.get("version") ? Number(params.get("version")) : null;
  // Kept here: a save that makes a new version re-mounts the form, and the notice must survive that.
  const [notice, setNotice] = useState<{ at: string; text: string } | null>(null);
  const at = `${templateId ?? "new"}:${version ?? "latest"}`;
  const onNotice = (text: string | null) => setNotice(text ? { at, text } : null);
  // Only on the page it was said for: another template or version starts without it.
  const shown = notice?.at === at ? notice.text : null;
  const query = useQuery({
    queryKey: keys.adminTemplate(templateId ?? "", version),
    queryFn: () => fetchTemplate(templateId!, version),
    enabled: !!templateId && can.writeChecklists,
  });
  if (!can.writeChecklists) return <Refused />;
  if (!templateId) return <EditorForm template={null} notice={null} onNotice={onNotice} />;
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  const template = query.data;
  if (template.version !== template.latestVersion) return <OldVersion template={template} />;
  // Re-mounted per version, so a save that made a new version starts a fresh draft from it.
  return (
    <EditorForm key={`${template.id}:${template.version}`} template={template} notice={shown} onNotice={onNotice} />
  );
}

function Versions({ template }: { template: AdminTemplate }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (template.versions.length < 2) return null;
  return (
    <nav aria-label={t("admin.templates.versions")} className="mt-3 flex flex-wrap items-center gap-2">
      <span className="font-medium">{t("admin.templates.versions")}:</span>
      {template.versions.map((v) => (
        <Link
          key={v.version}
          to={v.version === template.latestVersion ? `/admin/checklists/${template.id}` : `?version=${v.version}`}
          aria-current={v.version === template.version ? "page" : undefined}
          title={format.dateTime(v.createdAt)}
          className={`inline-flex min-h-12 items-center rounded-lg px-3 font-semibold ${
            v.version === template.version
              ? "bg-blue-700 text-white dark:bg-blue-500 dark:text-slate-950"
              : "border border-slate-300 text-blue-700 dark:border-slate-600 dark:text-blue-400"
          }`}
        >
          {t("admin.templates.versionN", { version: v.version })}
        </Link>
      ))}
    </nav>
  );
}

function OldVersion({ template }: { template: AdminTemplate }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <>
      <Breadcrumbs
        items={[{ label: t("admin.templates.heading"), to: "/admin/checklists" }, { label: template.name }]}
      />
      <h2 className="text-2xl font-bold">
        {template.name} — {t("admin.templates.versionN", { version: template.version })}
      </h2>
      <p className="mt-1 text-slate-600 dark:text-slate-400">
        {t("admin.templates.oldVersion", { when: format.dateTime(template.versionCreatedAt) })}
      </p>
      <Versions template={template} />
      <ol className="mt-4 grid gap-2" data-testid="version-steps">
        {template.steps.map((step, i) => (
          <li key={step.id ?? i} className="rounded-lg border border-slate-200 p-3 dark:border-slate-700">
            <span className="font-semibold">
              {i + 1}. {step.text}
            </span>{" "}
            <Badge tone="slate">{t(`admin.templates.kinds.${step.kind}`)}</Badge>
            {step.required && <span className="ml-2 text-sm">{t("admin.templates.required")}</span>}
            {step.kind === "number" && (
              <span className="ml-2 text-sm text-slate-600 dark:text-slate-400">
                {step.min ?? "…"} – {step.max ?? "…"} {step.unit ?? ""}
              </span>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

function EditorForm({
  template,
  notice: saved,
  onNotice: setSaved,
}: {
  template: AdminTemplate | null;
  notice: string | null;
  onNotice: (notice: string | null) => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => toDraft(template));
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (input: Parameters<typeof saveTemplate>[1]) => saveTemplate(template?.id ?? null, input),
    onSuccess: async (result) => {
      await Promise.all([
        client.invalidateQueries({ queryKey: keys.adminTemplates }),
        client.invalidateQueries({ queryKey: ["adminTemplate", result.id] }),
        client.invalidateQueries({ queryKey: ["checklistTemplates"] }),
      ]);
      if (!template) {
        await navigate(`/admin/checklists/${result.id}`, { replace: true });
        return;
      }
      setSaved(
        result.version !== template.version
          ? t("admin.templates.savedNewVersion", { version: result.version })
          : t("admin.templates.saved"),
      );
    },
  });
  const { fields, general } = formErrors(t, save.error, TEMPLATE_FIELDS);
  // Step problems come as `steps.<index>.<field>`: shown at that step's field.
  const stepErrors: Record<string, string> = { ...local };
  for (const detail of errorDetails(save.error)) {
    if (/^steps\.\d+\.\w+$/.test(detail.field)) stepErrors[detail.field] ??= detailText(t, detail);
  }
  const stepError = (i: number, field: string) => stepErrors[`steps.${i}.${field}`];
  const set = (i: number, patch: Partial<DraftStep>) =>
    setDraft((d) => ({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const move = (i: number, by: number) =>
    setDraft((d) => {
      const steps = [...d.steps];
      const [step] = steps.splice(i, 1);
      steps.splice(i + by, 0, step);
      return { ...d, steps };
    });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    const problems: Record<string, string> = {};
    const steps = draft.steps.map((step, i) => {
      const limit = (field: "min" | "max") => {
        if (step.kind !== "number" || step[field].trim() === "") return null;
        const parsed = parseDecimal(step[field]);
        if (!parsed.ok) problems[`steps.${i}.${field}`] = t("admin.templates.notANumber");
        return parsed.ok ? parsed.value : null;
      };
      return {
        id: step.id,
        text: step.text,
        kind: step.kind,
        required: step.required,
        unit: step.unit,
        guidance: step.guidance,
        min: limit("min"),
        max: limit("max"),
      };
    });
    setLocal(problems);
    if (Object.keys(problems).length > 0 || save.isPending) return;
    save.mutate({
      name: draft.name,
      description: draft.description,
      appliesTo: draft.appliesTo,
      active: draft.active,
      steps,
    });
  }

  const title = template ? template.name : t("admin.templates.new");
  return (
    <>
      <Breadcrumbs items={[{ label: t("admin.templates.heading"), to: "/admin/checklists" }, { label: title }]} />
      <h2 className="text-2xl font-bold">
        {title}
        {template && (
          <span className="ml-3 text-lg font-normal text-slate-600 dark:text-slate-400">
            {t("admin.templates.versionN", { version: template.version })}
          </span>
        )}
      </h2>
      {template && <Versions template={template} />}
      {template && <p className="mt-2 text-slate-600 dark:text-slate-400">{t("admin.templates.versionNote")}</p>}
      <form className="mt-4 grid max-w-4xl gap-4 sm:grid-cols-2" onSubmit={submit} noValidate>
        <TextField
          label={t("forms.name")}
          required
          value={draft.name}
          onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
          error={fields.name}
        />
        <SelectField
          label={t("admin.templates.appliesToLabel")}
          value={draft.appliesTo}
          onChange={(e) => setDraft((d) => ({ ...d, appliesTo: e.target.value as AppliesTo }))}
          error={fields.appliesTo}
        >
          {APPLIES.map((a) => (
            <option key={a} value={a}>
              {t(`admin.templates.appliesTo.${a}`)}
            </option>
          ))}
        </SelectField>
        <TextArea
          className="sm:col-span-2"
          label={t("forms.description")}
          value={draft.description}
          onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))}
          error={fields.description}
        />
        <label className="flex min-h-12 items-center gap-3 sm:col-span-2">
          <input
            type="checkbox"
            className="size-6"
            checked={draft.active}
            onChange={(e) => setDraft((d) => ({ ...d, active: e.target.checked }))}
          />
          <span>{t("admin.templates.activeLabel")}</span>
        </label>

        <fieldset className="grid gap-4 sm:col-span-2">
          <legend className="mb-2 text-xl font-bold">{t("admin.templates.steps")}</legend>
          {fields.steps && (
            <p role="alert" className="font-medium text-red-700 dark:text-red-300">
              {fields.steps}
            </p>
          )}
          {draft.steps.map((step, i) => (
            <div
              key={step.key}
              className="grid gap-3 rounded-xl border border-slate-200 p-4 sm:grid-cols-6 dark:border-slate-700"
              data-testid="template-step"
              role="group"
              aria-label={t("admin.templates.stepN", { n: i + 1 })}
            >
              <TextField
                className="sm:col-span-4"
                label={t("admin.templates.stepText", { n: i + 1 })}
                required
                value={step.text}
                onChange={(e) => set(i, { text: e.target.value })}
                error={stepError(i, "text")}
              />
              <SelectField
                className="sm:col-span-2"
                label={t("admin.templates.kind")}
                value={step.kind}
                onChange={(e) => set(i, { kind: e.target.value as StepKind })}
                error={stepError(i, "kind")}
              >
                {STEP_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {t(`admin.templates.kinds.${kind}`)}
                  </option>
                ))}
              </SelectField>
              {step.kind === "number" && (
                <>
                  <TextField
                    className="sm:col-span-2"
                    label={t("admin.templates.min")}
                    inputMode="decimal"
                    value={step.min}
                    onChange={(e) => set(i, { min: e.target.value })}
                    error={stepError(i, "min")}
                  />
                  <TextField
                    className="sm:col-span-2"
                    label={t("admin.templates.max")}
                    inputMode="decimal"
                    value={step.max}
                    onChange={(e) => set(i, { max: e.target.value })}
                    error={stepError(i, "max")}
                  />
                  <TextField
                    className="sm:col-span-2"
                    label={t("admin.templates.unit")}
                    value={step.unit ?? ""}
                    onChange={(e) => set(i, { unit: e.target.value })}
                    error={stepError(i, "unit")}
                  />
                </>
              )}
              <TextField
                className="sm:col-span-6"
                label={t("admin.templates.guidance")}
                value={step.guidance ?? ""}
                onChange={(e) => set(i, { guidance: e.target.value })}
                error={stepError(i, "guidance")}
              />
              <div className="flex flex-wrap items-center gap-3 sm:col-span-6">
                <label className="mr-auto flex min-h-12 items-center gap-3">
                  <input
                    type="checkbox"
                    className="size-6"
                    checked={step.required}
                    onChange={(e) => set(i, { required: e.target.checked })}
                  />
                  <span>{t("admin.templates.required")}</span>
                </label>
                <Button variant="secondary" disabled={i === 0} onClick={() => move(i, -1)}>
                  {t("admin.templates.up")}
                </Button>
                <Button variant="secondary" disabled={i === draft.steps.length - 1} onClick={() => move(i, 1)}>
                  {t("admin.templates.down")}
                </Button>
                <Button
                  variant="secondary"
                  onClick={() => setDraft((d) => ({ ...d, steps: d.steps.filter((_, j) => j !== i) }))}
                >
                  {t("admin.templates.removeStep")}
                </Button>
              </div>
            </div>
          ))}
          <div>
            <Button variant="secondary" onClick={() => setDraft((d) => ({ ...d, steps: [...d.steps, blankStep()] }))}>
              {t("admin.templates.addStep")}
            </Button>
          </div>
        </fieldset>

        {general && (
          <p
            role="alert"
            className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 sm:col-span-2 dark:bg-red-950 dark:text-red-200"
          >
            {general}
          </p>
        )}
        {saved && (
          <p role="status" className="font-medium text-green-800 sm:col-span-2 dark:text-green-300">
            {saved}
          </p>
        )}
        <div className="flex flex-wrap gap-3 sm:col-span-2">
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? t("forms.creating") : template ? t("admin.save") : t("admin.templates.create")}
          </Button>
        </div>
      </form>
    </>
  );
}
