import { z } from "zod";
import { authorize, type RequestContext } from "../../access/context.ts";
import type { Db } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { notFound, validationFailed } from "../../errors.ts";
import { idInput, parseInput } from "../../validate.ts";
import { publicDowntime, type Downtime } from "../downtimes/service.ts";
import { failureReportsRepo } from "../failures/repo.ts";
import { publicReport, type FailureReport } from "../failures/service.ts";
import { maintenanceLogsRepo } from "../maintenance/repo.ts";
import { publicLog, type MaintenanceLog } from "../maintenance/service.ts";
import { machinesRepo } from "../plant/repo.ts";
import type { Repair } from "../repairs/service.ts";
import { toolsRepo } from "../tools/repo.ts";
import { historyRepo, type HistoryKey } from "./repo.ts";

export const HISTORY_KINDS = ["maintenance_log", "repair", "downtime", "failure_report"] as const;

/** One entry of a history: what happened (`kind`), when (`at`), and the record itself. */
export type HistoryItem =
  | { kind: "maintenance_log"; at: string; id: string; record: MaintenanceLog }
  | { kind: "repair"; at: string; id: string; record: Repair }
  | { kind: "downtime"; at: string; id: string; record: Downtime }
  | { kind: "failure_report"; at: string; id: string; record: FailureReport };

export const historySchema = z.strictObject({
  ...pageQuery,
  tool_id: idInput.optional(),
  machine_id: idInput.optional(),
});

/**
 * The history of a machine or a tool: maintenance logs, repairs, downtimes and failure reports
 * (a tool's or a machine's own, by occurred_at) in one list,
 * newest first. A machine's are its own. A tool's are its maintenance logs, plus the repairs
 * and downtimes of the machines it was mounted on that started while it was mounted (the
 * mount history says when).
 *
 * Paging merges three keyset queries, each ordered by (time, id) and cut at the cursor: the
 * first `limit` of the merge are the first `limit` of the union, so no query reads more than
 * `limit + 1` rows, however long the history.
 */
export class HistoryService {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<HistoryItem>> {
    authorize(ctx, "plant:read");
    const q = parseInput(historySchema, query);
    if ((q.tool_id === undefined) === (q.machine_id === undefined)) {
      throw validationFailed([
        { field: "tool_id", message: "Give exactly one of tool_id and machine_id", code: "one_of" },
      ]);
    }
    const db = this.#db.kysely;
    if (q.tool_id && !(await toolsRepo.findById(db, q.tool_id))) throw notFound("Tool");
    if (q.machine_id && !(await machinesRepo.findById(db, q.machine_id))) throw notFound("Machine");
    const owner = { toolId: q.tool_id, machineId: q.machine_id };
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as HistoryKey) : undefined;
    const take = q.limit + 1;
    const [logs, repairs, downtimes, failures] = await Promise.all([
      historyRepo.logs(db, owner, before, take),
      historyRepo.repairs(db, owner, before, take),
      historyRepo.downtimes(db, owner, before, take),
      failureReportsRepo.history(db, owner, before, take),
    ]);
    // Logs carry their action requests: one query for all of them.
    const requests = await maintenanceLogsRepo.actionRequestsOf(
      db,
      logs.map((l) => l.id),
    );
    const merged: HistoryItem[] = [
      ...logs.map((r) => ({
        kind: "maintenance_log" as const,
        at: r.performed_at,
        id: r.id,
        record: publicLog(r, requests),
      })),
      ...repairs.map((r) => ({ kind: "repair" as const, at: r.start_datetime, id: r.id, record: r })),
      ...downtimes.map((r) => ({
        kind: "downtime" as const,
        at: r.start_datetime,
        id: r.id,
        record: publicDowntime(r),
      })),
      ...failures.map((r) => ({
        kind: "failure_report" as const,
        at: r.occurred_at,
        id: r.id,
        record: publicReport(r),
      })),
    ].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
    return toPage(
      merged,
      q.limit,
      (i) => [i.at, i.id],
      (i) => i,
    );
  }
}
