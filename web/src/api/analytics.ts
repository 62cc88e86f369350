/**
 * Analytics (docs/analytics.md): the figures over REST, whose snake_case answers are the documented
 * tables (the same fields the CSV and XLSX exports carry), the exports as downloads, and the PDF
 * reports. Every call carries the bearer token; downloads are fetched as blobs and saved through an
 * object URL, because a plain link would go without the token.
 */
import { GraphQLRequestError, type ErrorCode, type GraphQLErrorEntry } from "./graphql";
import { currentAccessToken } from "./session";

export type Bucket = "day" | "week" | "month";
export const BUCKETS: Bucket[] = ["day", "week", "month"];

/** Query parameters as the server names them; empty values are left out. */
export type AnalyticsQuery = Record<string, string | undefined>;

export interface SeriesItem {
  bucket: string;
  from: string;
  to: string;
  machines: number;
  period_minutes: number;
  planned_minutes: number;
  unplanned_minutes: number;
  failures: number;
  availability: number | null;
  mttr_hours: number | null;
  mtbf_hours: number | null;
}

export interface ParetoItem {
  reason_id: string | null;
  reason_code: string | null;
  reason_name: string | null;
  category: string;
  minutes: number;
  count: number;
}

export interface FailureTrends {
  items: { bucket: string; failure_code_id: string; code: string; name: string; severity: string; count: number }[];
  by_code: { failure_code_id: string; code: string; name: string; count: number }[];
  by_severity: { severity: string; count: number }[];
}

export interface ToolUtilisation {
  tool_id: string;
  asset_number: string;
  name: string;
  status: string;
  mounted_minutes: number;
  running_minutes: number;
  utilisation: number;
  shots: number;
  shots_per_day: number;
  rated_life_shots: number | null;
  lifetime_shots: number;
  life_used: number | null;
  days_to_rated_life: number | null;
}

export interface TopTool {
  tool_id: string;
  asset_number: string;
  name: string;
  failures: number;
  shots: number;
  failures_per_100k_shots: number | null;
  mtbf_shots: number | null;
}

export interface CompliancePlan {
  plan_id: string;
  name: string;
  tool_id: string | null;
  machine_id: string | null;
  judged: number;
  on_time: number;
  done_early: number;
  done_after_due: number;
  missed: number;
  pending: number;
  checklists_completed: number;
  checklists_on_time: number;
}

export interface Compliance {
  plans: number;
  judged: number;
  on_time: number;
  done_early: number;
  done_after_due: number;
  missed: number;
  pending: number;
  compliance: number | null;
  checklists_completed: number;
  checklists_on_time: number;
  checklist_on_time_rate: number | null;
  items: CompliancePlan[];
}

export interface AgeBucket {
  bucket: string;
  count: number;
}

export interface ActionsAgeing {
  as_of: string;
  outstanding: number;
  overdue: number;
  by_age: AgeBucket[];
  by_days_overdue: AgeBucket[];
  by_priority: { priority: string; outstanding: number; overdue: number }[];
}

export type ReportStatus = "queued" | "running" | "ok" | "failed";

export interface AnalyticsReport {
  id: string;
  kind: string;
  title: string;
  status: ReportStatus;
  period_from: string;
  period_to: string;
  line_id: string | null;
  error: string | null;
  pages: number | null;
  size_bytes: number | null;
  created_at: string;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  422: "BAD_USER_INPUT",
  429: "RATE_LIMITED",
};

export function withQuery(path: string, query: AnalyticsQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A request with the token, once more with a renewed token after a 401; REST errors become the app's error. */
async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const attempt = async (token: string | null) => {
    try {
      return await fetch(path, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        credentials: "same-origin",
      });
    } catch (error) {
      throw new GraphQLRequestError("NETWORK", error instanceof Error ? error.message : "Network error");
    }
  };
  let response = await attempt(await currentAccessToken());
  if (response.status === 401) response = await attempt(await currentAccessToken(true));
  if (response.ok) return response;
  let message = `HTTP ${response.status}`;
  let details: NonNullable<GraphQLErrorEntry["extensions"]>["details"] = [];
  try {
    const body = (await response.json()) as { error?: { message?: string; details?: typeof details } };
    message = body.error?.message ?? message;
    details = body.error?.details ?? [];
  } catch {
    // Not JSON: the status says enough.
  }
  const code = CODE_BY_STATUS[response.status] ?? "HTTP_ERROR";
  throw new GraphQLRequestError(code, message, response.status, [{ message, extensions: { code, details } }]);
}

async function getJson<T>(path: string, query: AnalyticsQuery = {}): Promise<T> {
  const response = await send(withQuery(path, query), { headers: { accept: "application/json" } });
  return (await response.json()) as T;
}

const BASE = "/api/v1/analytics";

export const fetchSeries = (q: AnalyticsQuery) => getJson<{ items: SeriesItem[] }>(`${BASE}/series`, q);
export const fetchPareto = (q: AnalyticsQuery) => getJson<{ items: ParetoItem[] }>(`${BASE}/downtime-pareto`, q);
export const fetchFailureTrends = (q: AnalyticsQuery) => getJson<FailureTrends>(`${BASE}/failure-trends`, q);
export const fetchToolUtilisation = (q: AnalyticsQuery) =>
  getJson<{ items: ToolUtilisation[] }>(`${BASE}/tool-utilisation`, q);
export const fetchTopTools = (q: AnalyticsQuery) => getJson<{ items: TopTool[] }>(`${BASE}/top-tools`, q);
export const fetchCompliance = (q: AnalyticsQuery) => getJson<Compliance>(`${BASE}/maintenance-compliance`, q);
export const fetchActionsAgeing = (q: AnalyticsQuery) => getJson<ActionsAgeing>(`${BASE}/actions-ageing`, q);

export const fetchReports = () => getJson<{ items: AnalyticsReport[] }>(`${BASE}/reports`, { limit: "20" });

export async function requestReport(input: { from: string; to: string; line_id?: string }): Promise<AnalyticsReport> {
  const response = await send(`${BASE}/reports`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(input),
  });
  return (await response.json()) as AnalyticsReport;
}

/** The file name the server gave (content-disposition), or the fallback. */
function fileName(response: Response, fallback: string): string {
  const match = /filename="?([^";]+)"?/.exec(response.headers.get("content-disposition") ?? "");
  return match?.[1] ?? fallback;
}

/** Downloads a file with the token and hands it to the browser as a saved file. */
export async function download(path: string, query: AnalyticsQuery, fallbackName: string): Promise<void> {
  const response = await send(withQuery(path, query));
  const name = fileName(response, fallbackName);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob to the download; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The export of an analytics table: `series`, `downtime-pareto`, … */
export const tableExportPath = (table: string, format: "csv" | "xlsx") => `${BASE}/${table}/export.${format}`;
/** The raw records behind the figures: `downtimes`, `failure-reports`, `actions`, … */
export const recordsExportPath = (kind: string, format: "csv" | "xlsx") => `${BASE}/records/${kind}/export.${format}`;
export const reportPdfPath = (id: string) => `${BASE}/reports/${encodeURIComponent(id)}/pdf`;

export interface ReportSchedule {
  active: boolean;
  /** ISO weekday, 1 = Monday … 7 = Sunday (UTC). */
  weekday: number;
  /** Hour of the day, UTC. */
  hour: number;
  recipient_ids: string[];
}

export const fetchSchedule = () => getJson<ReportSchedule>(`${BASE}/report-schedule`);

export async function saveSchedule(schedule: ReportSchedule): Promise<ReportSchedule> {
  const response = await send(`${BASE}/report-schedule`, {
    method: "PUT",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(schedule),
  });
  return (await response.json()) as ReportSchedule;
}
