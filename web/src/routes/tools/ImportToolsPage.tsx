import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { detailText, errorDetails, useErrorText } from "../../api/errors";
import { isGraphQLError } from "../../api/graphql";
import { keys } from "../../api/keys";
import { importToolsCsv, type ImportReport } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { Button } from "../../components/Button";
import { Breadcrumbs } from "../../components/Page";
import { useFormat } from "../../i18n/format";

/** A file's problems as the server lists them: `row 3.cavity_count` → row 3, column cavity_count. */
function rowProblems(error: unknown) {
  return errorDetails(error).map((detail) => {
    const match = /^row (\d+)\.(.*)$/.exec(detail.field);
    return { row: match ? Number(match[1]) : null, column: match ? match[2] : detail.field, detail };
  });
}

const COLUMNS =
  "asset_number,name,part_number,description,manufacturer,cavity_count,active_cavities,status,location,rated_life_shots,lifetime_shots";

/**
 * Engineers load the registry from a spreadsheet export (CSV). The server takes all rows or
 * none, so the page first checks the file (a dry run) and shows every bad row, then imports.
 */
export function ImportToolsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const can = useAbilities();
  const errorText = useErrorText();
  const client = useQueryClient();
  const [csv, setCsv] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (dryRun: boolean) => importToolsCsv(csv, dryRun),
    onSuccess: async (report) => {
      if (!report.dry_run) await client.invalidateQueries({ queryKey: keys.toolLists });
    },
  });
  const problems = isGraphQLError(run.error, "BAD_USER_INPUT") ? rowProblems(run.error) : [];

  async function pick(file: File | undefined) {
    run.reset();
    setFileName(file?.name ?? null);
    setCsv(file ? await file.text() : "");
  }

  if (!can.writeTools) {
    return (
      <>
        <Breadcrumbs items={[{ label: t("tools.heading"), to: "/tools" }, { label: t("tools.import.heading") }]} />
        <h1 className="text-3xl font-bold">{t("tools.import.heading")}</h1>
        <p className="mt-4 text-lg">{t("errors.forbidden")}</p>
      </>
    );
  }

  return (
    <>
      <Breadcrumbs items={[{ label: t("tools.heading"), to: "/tools" }, { label: t("tools.import.heading") }]} />
      <h1 className="text-3xl font-bold">{t("tools.import.heading")}</h1>
      <p className="mt-1 max-w-3xl text-slate-600 dark:text-slate-400">{t("tools.import.intro")}</p>
      <p className="mt-2 max-w-3xl text-sm break-words text-slate-600 dark:text-slate-400">
        {t("tools.import.columns")} <code className="font-mono">{COLUMNS}</code>
      </p>

      <div className="mt-6 grid max-w-3xl gap-4">
        <div>
          <label htmlFor="csv-file" className="mb-1.5 block font-medium">
            {t("tools.import.file")}
          </label>
          <input
            id="csv-file"
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => void pick(e.target.files?.[0])}
            className="block min-h-12 w-full text-lg file:mr-4 file:min-h-12 file:rounded-lg file:border-0 file:bg-blue-700 file:px-5 file:font-semibold file:text-white dark:file:bg-blue-500 dark:file:text-slate-950"
          />
          {fileName && (
            <p className="mt-1 text-slate-600 dark:text-slate-400">
              {t("tools.import.lines", {
                name: fileName,
                number: format.number(Math.max(0, csv.split(/\r?\n/).filter(Boolean).length - 1)),
              })}
            </p>
          )}
        </div>
        <div className="flex flex-wrap gap-3">
          <Button variant="secondary" disabled={!csv || run.isPending} onClick={() => run.mutate(true)}>
            {t("tools.import.check")}
          </Button>
          <Button disabled={!csv || run.isPending} onClick={() => run.mutate(false)}>
            {run.isPending ? t("forms.creating") : t("tools.import.submit")}
          </Button>
        </div>
      </div>

      {run.data && <ReportView report={run.data} />}
      {run.error && (
        <div className="mt-6" data-testid="import-errors">
          <p
            role="alert"
            className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {problems.length > 0 ? t("tools.import.refused") : errorText(run.error)}
          </p>
          {problems.length > 0 && (
            <table className="mt-3 w-full max-w-3xl border-collapse text-left">
              <thead>
                <tr className="border-b border-slate-300 dark:border-slate-700">
                  <th className="py-2 pr-4">{t("tools.import.row")}</th>
                  <th className="py-2 pr-4">{t("tools.import.column")}</th>
                  <th className="py-2">{t("tools.import.problem")}</th>
                </tr>
              </thead>
              <tbody>
                {problems.map((p, i) => (
                  <tr key={i} className="border-b border-slate-200 dark:border-slate-800" data-testid="import-error">
                    <td className="py-2 pr-4 font-semibold">{p.row ?? "—"}</td>
                    <td className="py-2 pr-4 font-mono">{p.column}</td>
                    <td className="py-2">{detailText(t, p.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </>
  );
}

function ReportView({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <section className="mt-6 max-w-3xl" aria-labelledby="import-report" data-testid="import-report">
      <h2 id="import-report" role="status" className="text-xl font-bold">
        {report.dry_run ? t("tools.import.checked") : t("tools.import.done")}
      </h2>
      <p className="mt-1">
        {t("tools.import.counts", {
          created: format.number(report.created),
          updated: format.number(report.updated),
          unchanged: format.number(report.unchanged),
        })}
      </p>
      <ul className="mt-3 grid gap-1">
        {report.rows.map((row) => (
          <li key={row.row} className="flex gap-3">
            <span className="w-16 text-slate-600 dark:text-slate-400">{t("tools.import.rowN", { n: row.row })}</span>
            <span className="font-semibold">{row.asset_number}</span>
            <span>{t(`tools.import.outcome.${row.outcome}`)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
