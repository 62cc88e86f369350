import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { fetchFailureCodes, reportFailure, SEVERITIES, type Severity } from "../../api/failures";
import { keys } from "../../api/keys";
import { fetchMachineOverview } from "../../api/plant";
import { fetchTools } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { SelectField, TextArea } from "../../components/form/Field";
import { formErrors } from "../../components/form/errors";
import { Refused } from "../../components/Refused";
import { QueryState } from "../../components/QueryState";
import { FailureCodePicker } from "./FailureCodePicker";
import { FormError } from "../../components/Feedback";
import { FormActions } from "../../components/form/FormActions";

const NO_FILTER = { q: "", location: "", status: "", mounted: "" } as const;

/**
 * Report a failure at the press: what (machine or tool), the failure code, how bad, what was
 * seen. Photos follow on the report's page, where the camera opens straight away.
 */
export function NewFailurePage() {
  const { t } = useTranslation();
  const can = useAbilities();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [params] = useSearchParams();
  const [target, setTarget] = useState(() =>
    params.get("tool") ? `tool:${params.get("tool")}` : params.get("machine") ? `machine:${params.get("machine")}` : "",
  );
  const [codeId, setCodeId] = useState<string | null>(null);
  const [severity, setSeverity] = useState<Severity>("medium");
  const [description, setDescription] = useState("");
  const [missing, setMissing] = useState<{ target?: boolean; code?: boolean }>({});

  const codes = useQuery({ queryKey: keys.failureCodes, queryFn: fetchFailureCodes, staleTime: 300_000 });
  const machines = useQuery({ queryKey: keys.machineOverview, queryFn: fetchMachineOverview });
  const tools = useQuery({ queryKey: keys.toolPicker, queryFn: () => fetchTools(NO_FILTER, null) });

  const save = useMutation({
    mutationFn: () => {
      const [kind, id] = target.split(":");
      return reportFailure({
        ...(kind === "tool" ? { toolId: id } : { machineId: id }),
        failureCodeId: codeId!,
        severity,
        description: description.trim() || null,
      });
    },
    onSuccess: async (report) => {
      await client.invalidateQueries({ queryKey: keys.failureLists });
      void navigate(`/failures/${report.id}?photo=1`);
    },
  });

  if (!can.reportFailures) return <Refused />;
  const { fields, general } = formErrors(t, save.error, [
    "failureCodeId",
    "severity",
    "description",
    "machineId",
    "toolId",
  ]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const gaps = { target: !target, code: !codeId };
    setMissing(gaps);
    if (gaps.target || gaps.code) return;
    save.mutate();
  }

  return (
    <>
      <h1 className="text-3xl font-bold">{t("failures.reportHeading")}</h1>
      <form onSubmit={submit} className="mt-6 grid max-w-3xl gap-5" noValidate>
        <SelectField
          label={t("failures.target")}
          required
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          error={missing.target ? t("errors.details.required") : (fields.machineId ?? fields.toolId)}
          data-testid="failure-target"
        >
          <option value="">{t("failures.chooseTarget")}</option>
          <optgroup label={t("failures.machines")}>
            {machines.data?.items.map((m) => (
              <option key={m.id} value={`machine:${m.id}`}>
                {m.code} — {m.name}
              </option>
            ))}
          </optgroup>
          <optgroup label={t("failures.tools")}>
            {tools.data?.items.map((tool) => (
              <option key={tool.id} value={`tool:${tool.id}`}>
                {tool.assetNumber} — {tool.name}
              </option>
            ))}
          </optgroup>
        </SelectField>
        <QueryState query={codes}>
          {(list) => (
            <FailureCodePicker
              codes={list}
              value={codeId}
              onChange={(code) => {
                setCodeId(code.id);
                setSeverity(code.defaultSeverity);
              }}
              error={missing.code ? t("errors.details.required") : fields.failureCodeId}
            />
          )}
        </QueryState>
        <fieldset>
          <legend className="mb-1.5 font-medium">{t("failures.severity")}</legend>
          <div className="flex flex-wrap gap-2" role="radiogroup">
            {SEVERITIES.map((s) => (
              <button
                key={s}
                type="button"
                role="radio"
                aria-checked={severity === s}
                onClick={() => setSeverity(s)}
                className={`min-h-12 min-w-28 rounded-lg border-2 px-4 font-semibold ${
                  severity === s
                    ? "border-blue-700 bg-blue-50 dark:border-blue-400 dark:bg-blue-950"
                    : "border-slate-300 bg-white dark:border-slate-600 dark:bg-slate-900"
                }`}
              >
                {t(`status.severity.${s}`)}
              </button>
            ))}
          </div>
          {fields.severity && <p className="mt-1 font-medium text-red-700 dark:text-red-300">{fields.severity}</p>}
        </fieldset>
        <TextArea
          label={t("failures.description")}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={fields.description}
          rows={4}
        />
        <FormError message={general} />
        <FormActions
          pending={save.isPending}
          submitLabel={t("failures.submit")}
          pendingLabel={t("common.saving")}
          cancelLabel={t("common.cancel")}
        />
      </form>
    </>
  );
}
