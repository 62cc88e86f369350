/**
 * CSV as spreadsheets write it (RFC 4180: comma-separated, `"` quotes, `""` inside quotes,
 * CRLF or LF), small enough to read in one place.
 */

/** Rows of cells. A UTF-8 byte-order mark (Excel adds one) is dropped; empty lines are skipped. */
export function parseCsv(text: string): string[][] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && input[i + 1] === "\n") i++;
      row.push(cell);
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (quoted) throw new Error("unterminated quoted cell");
  row.push(cell);
  if (row.length > 1 || row[0] !== "") rows.push(row);
  return rows;
}

/**
 * One CSV line. Cells that a spreadsheet would run as a formula (starting with = + - @, tab or
 * CR) are prefixed with `'`, so an exported file cannot carry formula injection. Written as a
 * plain loop: exports call this a million times.
 */
export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ",";
    const value = cells[i];
    if (value === null || value === undefined) continue;
    if (typeof value === "string") line += csvText(value);
    else if (typeof value === "number") line += Number.isFinite(value) ? String(value) : "null";
    else if (typeof value === "boolean") line += value ? "true" : "false";
    else line += csvText(JSON.stringify(value), false);
  }
  return line + "\r\n";
}

/** Characters that make a cell a formula when they come first: = + - @ tab CR. */
const FORMULA_START = new Set([61, 43, 45, 64, 9, 13]);
const NEEDS_QUOTES = /[",\r\n]/;

function csvText(value: string, defuse = true): string {
  const text = defuse && value.length > 0 && FORMULA_START.has(value.charCodeAt(0)) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
