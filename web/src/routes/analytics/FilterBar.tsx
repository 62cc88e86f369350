import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { BUCKETS } from "../../api/analytics";
import { fetchFailureCodes } from "../../api/failures";
import { keys } from "../../api/keys";
import { fetchLines, fetchMachineOverview } from "../../api/plant";
import { fetchTools, NO_FILTER } from "../../api/tools";
import { SelectField, TextField } from "../../components/form/Field";
import { PRESETS, TAB_FILTERS, type Filters } from "./filters";

interface Props {
  filters: Filters;
  set: (changes: Partial<Omit<Filters, "tab">>) => void;
}

/** Period, bucket and scope; only the filters the current tab applies are offered. */
export function FilterBar({ filters, set }: Props) {
  const { t } = useTranslation();
  const offered = TAB_FILTERS[filters.tab];
  const lines = useQuery({ queryKey: [...keys.lines, "picker"], queryFn: () => fetchLines(null) });
  const machines = useQuery({ queryKey: keys.machineOverview, queryFn: fetchMachineOverview });
  const tools = useQuery({
    queryKey: keys.toolPicker,
    queryFn: () => fetchTools(NO_FILTER, null),
    enabled: offered.tool,
  });
  const codes = useQuery({ queryKey: keys.failureCodes, queryFn: fetchFailureCodes, enabled: offered.code });
  // Machines of the chosen line only, so that a machine and its line never disagree.
  const machineChoices = (machines.data?.items ?? []).filter((m) => !filters.lineId || m.lineId === filters.lineId);

  return (
    <form
      role="search"
      aria-label={t("analytics.filters")}
      className="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={(e) => e.preventDefault()}
    >
      {offered.period && (
        <SelectField
          label={t("analytics.period")}
          value={filters.preset}
          onChange={(e) => set({ preset: e.target.value as Filters["preset"] })}
        >
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              {t(`analytics.preset.${p}`)}
            </option>
          ))}
        </SelectField>
      )}
      {offered.period && filters.preset === "custom" && (
        <>
          <TextField
            label={t("analytics.from")}
            type="date"
            value={filters.fromDay}
            max={filters.toDay}
            onChange={(e) => e.target.value && set({ fromDay: e.target.value })}
          />
          <TextField
            label={t("analytics.to")}
            type="date"
            value={filters.toDay}
            min={filters.fromDay}
            onChange={(e) => e.target.value && set({ toDay: e.target.value })}
          />
        </>
      )}
      {offered.bucket && (
        <SelectField
          label={t("analytics.bucket")}
          value={filters.bucket}
          onChange={(e) => set({ bucket: e.target.value as Filters["bucket"] })}
        >
          {BUCKETS.map((b) => (
            <option key={b} value={b}>
              {t(`analytics.buckets.${b}`)}
            </option>
          ))}
        </SelectField>
      )}
      <SelectField
        label={t("analytics.line")}
        value={filters.lineId}
        onChange={(e) => set({ lineId: e.target.value, machineId: "" })}
      >
        <option value="">{t("analytics.wholePlant")}</option>
        {lines.data?.items.map((l) => (
          <option key={l.id} value={l.id}>
            {l.code} — {l.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t("analytics.machine")}
        value={filters.machineId}
        onChange={(e) => set({ machineId: e.target.value })}
      >
        <option value="">{t("analytics.anyMachine")}</option>
        {machineChoices.map((m) => (
          <option key={m.id} value={m.id}>
            {m.code} — {m.name}
          </option>
        ))}
      </SelectField>
      {offered.tool && (
        <SelectField
          label={t("analytics.tool")}
          value={filters.toolId}
          onChange={(e) => set({ toolId: e.target.value })}
        >
          <option value="">{t("analytics.anyTool")}</option>
          {tools.data?.items.map((tool) => (
            <option key={tool.id} value={tool.id}>
              {tool.assetNumber} — {tool.name}
            </option>
          ))}
        </SelectField>
      )}
      {offered.code && (
        <SelectField
          label={t("analytics.failureCode")}
          value={filters.codeId}
          onChange={(e) => set({ codeId: e.target.value })}
        >
          <option value="">{t("analytics.anyCode")}</option>
          {codes.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.code} — {c.name}
            </option>
          ))}
        </SelectField>
      )}
    </form>
  );
}
