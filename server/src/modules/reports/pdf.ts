import pdfmake from "pdfmake";
import type { CanvasElement, Content, TDocumentDefinitions } from "pdfmake/interfaces.js";
import type {
  ActionsAgeing,
  FailureTrends,
  MaintenanceCompliance,
  ParetoItem,
  SeriesResult,
  ToolUtilisation,
  TopTool,
  Kpis,
} from "../analytics/service.ts";

/** PDF base fonts: built into every PDF reader, so no font files ship and none are read from disk. */
const FONTS = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"];
pdfmake.setFonts({ Helvetica: { normal: FONTS[0], bold: FONTS[1], italics: FONTS[2], bolditalics: FONTS[3] } });
// Reports never load images or files: refuse every URL and every path but the base fonts' names.
pdfmake.setUrlAccessPolicy(() => false);
pdfmake.setLocalAccessPolicy((path) => FONTS.includes(path));

export interface ReportData {
  title: string;
  generatedAt: string;
  plant: Kpis;
  series: SeriesResult;
  pareto: ParetoItem[];
  failures: FailureTrends;
  compliance: MaintenanceCompliance;
  ageing: ActionsAgeing;
  lines: { code: string; name: string; kpis: Kpis }[];
  topTools: TopTool[];
  utilisation: ToolUtilisation[];
}

const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)} %`);
const num = (v: number | null, digits = 1) => (v === null ? "–" : v.toFixed(digits));
const CHART_WIDTH = 515;

/**
 * The period report (docs/analytics.md, "PDF reports"): plant summary, one section per line and
 * one per tool, with charts drawn as PDF vectors (pdfmake canvas), so they stay sharp when
 * printed and need no chart library on the server. Text is in the PDF base font Helvetica.
 */
export async function renderReport(data: ReportData): Promise<{ pdf: Buffer; pages: number }> {
  let pages = 0;
  const doc: TDocumentDefinitions = {
    info: { title: data.title, creator: "HOM", subject: `${data.plant.from} – ${data.plant.to}` },
    pageSize: "A4",
    pageMargins: [40, 50, 40, 50],
    defaultStyle: { font: "Helvetica", fontSize: 9 },
    styles: {
      h1: { fontSize: 18, bold: true, margin: [0, 0, 0, 6] },
      h2: { fontSize: 13, bold: true, margin: [0, 14, 0, 6] },
      muted: { color: "#555555" },
    },
    footer: (page: number, count: number) => {
      pages = count;
      return { text: `${data.title} · page ${page} of ${count}`, alignment: "center", style: "muted", fontSize: 8 };
    },
    content: [
      { text: data.title, style: "h1" },
      { text: `Period ${data.plant.from} to ${data.plant.to} · generated ${data.generatedAt}`, style: "muted" },
      { text: "Plant summary", style: "h2" },
      kpiTable([{ label: "Plant", kpis: data.plant }]),
      { text: `Availability by ${data.series.bucket}`, style: "h2" },
      barChart(
        data.series.items.map((p) => ({ label: p.bucket, value: p.availability ?? 0 })),
        { max: 1, format: (v) => pct(v) },
      ),
      { text: "Downtime by reason (minutes)", style: "h2" },
      hBarChart(data.pareto.slice(0, 10).map((p) => ({ label: p.reason_name ?? "(no reason)", value: p.minutes }))),
      { text: "Failure reports by code", style: "h2" },
      data.failures.by_code.length
        ? hBarChart(data.failures.by_code.slice(0, 10).map((c) => ({ label: `${c.code} ${c.name}`, value: c.count })))
        : { text: "No failure reports in the period.", style: "muted" },
      {
        text: `By severity: ${data.failures.by_severity.map((s) => `${s.severity} ${s.count}`).join(", ")}`,
        margin: [0, 4, 0, 0],
      },
      { text: "Maintenance compliance", style: "h2" },
      table(
        ["Plan cycles judged", "On time", "Missed", "Compliance", "Checklists", "Checklists on time"],
        [
          [
            String(data.compliance.judged),
            String(data.compliance.on_time),
            String(data.compliance.missed),
            pct(data.compliance.compliance),
            String(data.compliance.checklists_completed),
            pct(data.compliance.checklist_on_time_rate),
          ],
        ],
      ),
      { text: "Outstanding actions", style: "h2" },
      table(
        ["Outstanding", "Overdue", ...data.ageing.by_age.map((b) => `Age ${b.bucket} d`)],
        [
          [
            String(data.ageing.outstanding),
            String(data.ageing.overdue),
            ...data.ageing.by_age.map((b) => String(b.count)),
          ],
        ],
      ),
      { text: "Lines", style: "h2", pageBreak: "before" },
      kpiTable(data.lines.map((l) => ({ label: `${l.code} ${l.name}`, kpis: l.kpis }))),
      { text: "Availability by line", style: "h2" },
      hBarChart(
        data.lines.map((l) => ({ label: l.code, value: l.kpis.availability ?? 0 })),
        { format: (v) => pct(v), max: 1 },
      ),
      { text: "Tools", style: "h2", pageBreak: "before" },
      { text: "Top tools by failures per 100,000 shots", bold: true, margin: [0, 0, 0, 4] },
      table(
        ["Tool", "Name", "Failures", "Shots", "Per 100k shots", "MTBF (shots)"],
        data.topTools.map((t) => [
          t.asset_number,
          t.name,
          String(t.failures),
          String(t.shots),
          num(t.failures_per_100k_shots, 2),
          num(t.mtbf_shots, 0),
        ]),
      ),
      { text: "Tool utilisation (most used first)", bold: true, margin: [0, 10, 0, 4] },
      table(
        ["Tool", "Mounted h", "Running h", "Utilisation", "Shots/day", "Life used"],
        data.utilisation.map((t) => [
          t.asset_number,
          num(t.mounted_minutes / 60),
          num(t.running_minutes / 60),
          pct(t.utilisation),
          num(t.shots_per_day, 0),
          pct(t.life_used),
        ]),
      ),
    ],
  };
  const pdf = await pdfmake.createPdf(doc).getBuffer();
  return { pdf, pages };
}

function table(header: string[], rows: string[][]): Content {
  return {
    table: {
      headerRows: 1,
      widths: header.map(() => "*"),
      body: [header.map((h) => ({ text: h, bold: true })), ...rows],
    },
    layout: "lightHorizontalLines",
  };
}

function kpiTable(rows: { label: string; kpis: Kpis }[]): Content {
  return table(
    ["", "Availability", "Failures", "MTTR h", "MTBF h", "Unplanned min", "Planned min"],
    rows.map(({ label, kpis }) => [
      label,
      pct(kpis.availability),
      String(kpis.failures),
      num(kpis.mttr_hours, 2),
      num(kpis.mtbf_hours, 1),
      num(kpis.unplanned_minutes, 0),
      num(kpis.planned_minutes, 0),
    ]),
  );
}

/** Vertical bars, one per bucket, with the first and last labels under the axis. */
function barChart(
  points: { label: string; value: number }[],
  options: { max?: number; format: (v: number) => string },
): Content {
  if (points.length === 0) return { text: "No data.", style: "muted" };
  const height = 110;
  const max = options.max ?? Math.max(...points.map((p) => p.value), 1);
  const step = CHART_WIDTH / points.length;
  const bars: CanvasElement[] = points.map((p, i) => {
    const h = Math.max(0, (p.value / max) * height);
    return { type: "rect", x: i * step + step * 0.1, y: height - h, w: Math.max(0.5, step * 0.8), h, color: "#2f6f9f" };
  });
  return {
    stack: [
      { canvas: [...bars, { type: "line", x1: 0, y1: height, x2: CHART_WIDTH, y2: height, lineWidth: 0.5 }] },
      {
        columns: [
          { text: points[0].label, style: "muted" },
          { text: `max ${options.format(max)}`, alignment: "center", style: "muted" },
          { text: points[points.length - 1].label, alignment: "right", style: "muted" },
        ],
      },
    ],
  };
}

/** Horizontal bars with their labels and values: for rankings (Pareto, codes, lines). */
function hBarChart(
  points: { label: string; value: number }[],
  options: { max?: number; format?: (v: number) => string } = {},
): Content {
  if (points.length === 0) return { text: "No data.", style: "muted" };
  const max = options.max ?? Math.max(...points.map((p) => p.value), 1);
  const barWidth = 300;
  return {
    table: {
      widths: [150, barWidth, "*"],
      body: points.map((p) => [
        { text: p.label, noWrap: false },
        {
          canvas: [{ type: "rect", x: 0, y: 1, w: Math.max(0.5, (p.value / max) * barWidth), h: 8, color: "#c0504d" }],
        },
        { text: options.format ? options.format(p.value) : num(p.value, 0), alignment: "right" },
      ]),
    },
    layout: "noBorders",
  };
}
