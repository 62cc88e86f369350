import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { download, type AnalyticsQuery } from "../../api/analytics";
import { useErrorText } from "../../api/errors";
import { useAbilities } from "../../auth/user";
import { Button } from "../../components/Button";
import { FormError } from "../../components/Feedback";

/** A figure's section: heading, its exports, the chart and the table. */
export function Section({
  title,
  exports,
  children,
  testId,
}: {
  title: string;
  exports?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="mt-6 min-w-0" data-testid={testId}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-bold">{title}</h2>
        {exports}
      </div>
      <div className="mt-3 min-w-0">{children}</div>
    </section>
  );
}

/** Headline figures above a chart. */
export function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white px-4 py-3 dark:border-slate-700 dark:bg-slate-900">
      <dt className="text-sm text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="text-2xl font-bold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** An accessible table that scrolls inside itself on a narrow screen, never the page. */
export function Table({
  caption,
  head,
  children,
  testId,
}: {
  caption: string;
  head: ReactNode[];
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className="mt-4 max-w-full overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700">
      <table className="w-full text-left text-base" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-sm dark:bg-slate-800">
          <tr>
            {head.map((h, i) => (
              <th key={i} scope="col" className={`px-3 py-2 font-semibold ${i > 0 ? "text-right" : ""}`}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-700">{children}</tbody>
      </table>
    </div>
  );
}

/** A row's cells: the first is its name (a row header), the rest right-aligned figures. */
export function Row({ name, cells, testId }: { name: ReactNode; cells: ReactNode[]; testId?: string }) {
  return (
    <tr data-testid={testId}>
      <th scope="row" className="px-3 py-2 font-medium">
        {name}
      </th>
      {cells.map((c, i) => (
        <td key={i} className="px-3 py-2 text-right tabular-nums">
          {c}
        </td>
      ))}
    </tr>
  );
}

/** A drill-down link inside a table or a bar (48 px high for touch). */
export function DrillLink({ to, children, label }: { to: string; children: ReactNode; label?: string }) {
  return (
    <Link
      to={to}
      aria-label={label}
      className="inline-flex min-h-12 items-center font-semibold text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
    >
      {children}
    </Link>
  );
}

export interface Bar {
  key: string;
  label: ReactNode;
  value: number;
  /** The figure as shown (formatted). */
  text: string;
}

/** Horizontal bars in plain CSS: Pareto and ageing need no canvas. The widest bar is the largest value. */
export function Bars({ bars, title, testId }: { bars: Bar[]; title: string; testId?: string }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  return (
    <ul aria-label={title} className="grid gap-1" data-testid={testId}>
      {bars.map((b) => (
        <li key={b.key} className="grid grid-cols-[minmax(0,12rem)_1fr] items-center gap-3 sm:grid-cols-[16rem_1fr]">
          <span className="min-w-0 truncate">{b.label}</span>
          <span className="flex min-w-0 items-center gap-2">
            <span
              aria-hidden="true"
              className="h-6 rounded bg-blue-600 dark:bg-blue-400"
              style={{ width: `${max > 0 ? (b.value / max) * 80 : 0}%`, minWidth: b.value > 0 ? "2px" : 0 }}
            />
            <span className="text-sm whitespace-nowrap tabular-nums">{b.text}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * CSV and XLSX downloads of a table (and optionally its raw records), for users who may export
 * (`exports:read`); nothing is shown to the others. Files are fetched with the token.
 */
export function ExportButtons({
  path,
  query,
  name,
  records,
}: {
  /** `(format) => path` of the table's export. */
  path: (format: "csv" | "xlsx") => string;
  query: AnalyticsQuery;
  name: string;
  /** The raw records' export, when the server offers one for this figure. */
  records?: { path: (format: "csv" | "xlsx") => string; query: AnalyticsQuery; name: string };
}) {
  const { t } = useTranslation();
  const can = useAbilities();
  const text = useErrorText();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!can.exportAnalytics) return null;

  async function get(id: string, target: string, q: AnalyticsQuery, fileName: string) {
    setBusy(id);
    setError(null);
    try {
      await download(target, q, fileName);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  const button = (id: string, label: string, target: string, q: AnalyticsQuery, fileName: string) => (
    <Button
      key={id}
      variant="secondary"
      disabled={busy !== null}
      onClick={() => void get(id, target, q, fileName)}
      data-testid={`export-${id}`}
    >
      {busy === id ? t("analytics.downloading") : label}
    </Button>
  );

  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="export-buttons">
      {button("csv", t("analytics.exportCsv"), path("csv"), query, `${name}.csv`)}
      {button("xlsx", t("analytics.exportXlsx"), path("xlsx"), query, `${name}.xlsx`)}
      {records &&
        button("records-csv", t("analytics.recordsCsv"), records.path("csv"), records.query, `${records.name}.csv`)}
      {records &&
        button("records-xlsx", t("analytics.recordsXlsx"), records.path("xlsx"), records.query, `${records.name}.xlsx`)}
      {error !== null && <FormError message={text(error)} />}
    </div>
  );
}
