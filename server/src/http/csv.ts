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
 * One CSV line. Cells that a spreadsheet would run as a formula (starting with = + - @) are
 * prefixed with `'`, so an exported file cannot carry formula injection.
 */
export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return (
    cells
      .map((value) => {
        if (value === null || value === undefined) return "";
        let text = typeof value === "string" ? value : JSON.stringify(value);
        if (/^[=+\-@\t\r]/.test(text) && typeof value === "string") text = `'${text}`;
        return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(",") + "\r\n"
  );
}
