import { PassThrough, Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import { csvLine } from "./csv.ts";

/** One column of an exported table: its header, and how a spreadsheet should see its cells. */
export interface ExportColumn {
  name: string;
  /** `datetime`: an ISO timestamp, a date cell in XLSX; `number`: a number cell. Text otherwise. */
  kind?: "datetime" | "number";
}

export type Cell = string | number | boolean | null | undefined;

/** A table to export: its columns and its rows as they come (pages of rows from a cursor or keyset reads). */
export interface ExportTable {
  columns: readonly ExportColumn[];
  pages: AsyncIterable<Cell[][]>;
}

export type ExportFormat = "csv" | "xlsx";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** Stop reading pages while this much is waiting for the client: memory stays flat on a slow download. */
const HIGH_WATER = 1 << 20;

/**
 * Sends a table as CSV (formula-safe, csv.ts) or XLSX (exceljs's streaming writer), page by
 * page: a page is read only when the client has taken the bytes before it, so a million rows
 * never sit in memory. The first page is read before the headers go out, so a refused or
 * invalid request is still a clean JSON error.
 */
export async function sendTable(
  reply: FastifyReply,
  format: ExportFormat,
  filename: string,
  table: ExportTable,
): Promise<FastifyReply> {
  const pages = table.pages[Symbol.asyncIterator]();
  const first = await pages.next();
  const rest = (async function* () {
    if (!first.done) yield first.value;
    for (let page = await pages.next(); !page.done; page = await pages.next()) yield page.value;
  })();
  reply.header("content-disposition", `attachment; filename="${filename}.${format}"`);
  if (format === "csv") {
    const columns = table.columns.map((c) => c.name);
    return reply.type("text/csv; charset=utf-8").send(
      Readable.from(
        (async function* () {
          yield csvLine(columns);
          for await (const page of rest) {
            let text = "";
            for (const row of page) text += csvLine(row);
            // Bytes, not the string: the concatenation is a tree of thousands of small pieces,
            // several times the page's size while it waits in the stream's buffer.
            yield Buffer.from(text, "utf8");
          }
        })(),
        { highWaterMark: 16 },
      ),
    );
  }
  const out = new PassThrough({ highWaterMark: HIGH_WATER });
  void writeXlsx(out, table.columns, rest).catch((error: unknown) => out.destroy(error as Error));
  return reply.type(XLSX_TYPE).send(out);
}

async function writeXlsx(out: PassThrough, columns: readonly ExportColumn[], pages: AsyncIterable<Cell[][]>) {
  // exceljs is loaded on the first XLSX export, not at start (idle memory budget).
  const { default: ExcelJS } = await import("exceljs");
  // Inline strings and no styles beyond a date format: nothing grows with the row count.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet("data");
  sheet.columns = columns.map((c) => ({
    header: c.name,
    key: c.name,
    width: c.kind === "datetime" ? 20 : 14,
    style: c.kind === "datetime" ? { numFmt: "yyyy-mm-dd hh:mm:ss" } : {},
  }));
  const kinds = columns.map((c) => c.kind);
  for await (const page of pages) {
    for (const row of page) {
      // A string cell stays a string: exceljs writes a formula only when given { formula }, so
      // `=cmd|…` in a note is text in the sheet, never run.
      sheet
        .addRow(
          row.map((cell, i) => (kinds[i] === "datetime" && typeof cell === "string" ? new Date(cell) : (cell ?? null))),
        )
        .commit();
    }
    // The zip writer does not wait for the client; this loop does, by what is left unread.
    while (out.readableLength + out.writableLength >= HIGH_WATER && !out.destroyed) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (out.destroyed) return; // the client went away: stop reading the database
  }
  sheet.commit();
  await workbook.commit();
}
