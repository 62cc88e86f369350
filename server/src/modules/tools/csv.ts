import { validationFailed, type ErrorDetail } from "../../errors.ts";
import { parseCsv } from "../../http/csv.ts";
import type { ToolRow } from "./repo.ts";

/** The registry's CSV columns, in order. `machine` (the mounted machine's code) is exported only. */
export const TOOL_CSV_COLUMNS = [
  "asset_number",
  "name",
  "part_number",
  "description",
  "manufacturer",
  "cavity_count",
  "active_cavities",
  "status",
  "location",
  "rated_life_shots",
  "lifetime_shots",
  "machine",
] as const;
const NUMBER_COLUMNS = new Set(["cavity_count", "active_cavities", "rated_life_shots", "lifetime_shots"]);
const IMPORTED_COLUMNS = new Set<string>(TOOL_CSV_COLUMNS.filter((c) => c !== "machine"));
export const MAX_IMPORT_ROWS = 10_000;

export interface ImportReport {
  dry_run: boolean;
  created: number;
  updated: number;
  unchanged: number;
  rows: { row: number; asset_number: string; outcome: "created" | "updated" | "unchanged" }[];
}

export function toolToCsv(tool: ToolRow, machineCodes: Map<string, string>): (string | number | null)[] {
  return TOOL_CSV_COLUMNS.map((column) =>
    column === "machine" ? (tool.machine_id ? (machineCodes.get(tool.machine_id) ?? "") : "") : tool[column],
  );
}

/**
 * Rows of a CSV import as field values: numbers where the column is numeric, `null` for an
 * empty cell (which clears an optional field), the `machine` column ignored. Line numbers
 * count the header as line 1, as a spreadsheet shows them.
 */
export function parseToolCsv(body: unknown): { line: number; asset_number: string; values: Record<string, unknown> }[] {
  if (typeof body !== "string") {
    throw validationFailed([{ field: "(body)", message: "Send the file as text/csv", code: "not_csv" }]);
  }
  let rows: string[][];
  try {
    rows = parseCsv(body);
  } catch (error) {
    throw validationFailed([
      { field: "(body)", message: `Not valid CSV: ${(error as Error).message}`, code: "not_csv" },
    ]);
  }
  const [header, ...data] = rows;
  if (!header) throw validationFailed([{ field: "(body)", message: "The file is empty", code: "empty" }]);
  const columns = header.map((h) => h.trim().toLowerCase());
  const problems: ErrorDetail[] = [];
  for (const column of columns) {
    if (!IMPORTED_COLUMNS.has(column) && column !== "machine") {
      problems.push({ field: `header.${column}`, message: "Unknown column", code: "unknown_column" });
    }
  }
  if (!columns.includes("asset_number")) {
    problems.push({ field: "header.asset_number", message: "The asset_number column is required", code: "required" });
  }
  if (data.length > MAX_IMPORT_ROWS) {
    problems.push({ field: "(body)", message: `At most ${MAX_IMPORT_ROWS} rows per file`, code: "too_many_rows" });
  }
  if (problems.length > 0) throw validationFailed(problems);

  const seen = new Set<string>();
  return data.map((cells, index) => {
    const line = index + 2;
    const values: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      if (!IMPORTED_COLUMNS.has(column)) return;
      const cell = (cells[i] ?? "").trim();
      if (cell === "") values[column] = null;
      else values[column] = NUMBER_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    });
    const asset = typeof values.asset_number === "string" ? values.asset_number : "";
    if (seen.has(asset.toLowerCase())) {
      throw validationFailed([
        { field: `row ${line}.asset_number`, message: "appears twice in the file", code: "duplicate" },
      ]);
    }
    seen.add(asset.toLowerCase());
    // A new tool's empty required cells are reported by validation; nulls elsewhere clear a field.
    for (const required of ["asset_number", "name", "cavity_count", "status", "lifetime_shots"]) {
      if (values[required] === null) delete values[required];
    }
    return { line, asset_number: asset, values };
  });
}

/** The fields of an import row that differ from the stored tool. */
export function changedFields(tool: ToolRow, values: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const current = tool[key as keyof ToolRow];
    const stored =
      current === null || current === undefined ? null : NUMBER_COLUMNS.has(key) ? Number(current) : current;
    if (value !== stored) changed[key] = value;
  }
  return changed;
}
