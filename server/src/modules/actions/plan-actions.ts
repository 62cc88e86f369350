import { systemContext } from "../../access/context.ts";
import { transaction, type Db } from "../../db/index.ts";
import { newId } from "../../ids.ts";
import { diff, type AuditService } from "../audit/service.ts";
import type { NotificationService } from "../notifications/service.ts";
import { machinesRepo } from "../plant/repo.ts";
import { plansRepo } from "../plans/repo.ts";
import { toolsRepo } from "../tools/repo.ts";
import type { Plan, PlanService } from "../plans/service.ts";
import { actionsRepo } from "./repo.ts";
import { emptyAction } from "./service.ts";

export interface PlanCheckResult {
  checked: number;
  opened: number;
  notified: number;
}

/**
 * Plans that reach `warning` or `due` (SPEC §7): one preventive action per plan interval, and a
 * notice to engineers and up at each of the two levels. Checked after shots are committed (for
 * the tools that got them, off the ingest path) and periodically for all plans (days pass).
 *
 * Idempotent and safe to race: the action's unique (plan_id, plan_cycle) index and the
 * notices' dedupe keys make a second evaluation of the same state add nothing, on one instance
 * or several; the plan row is locked at its current interval, so an evaluation cannot open an
 * action for an interval a concurrent reset just closed.
 */
export class PlanActionWatcher {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #notifications: NotificationService;
  readonly #plans: PlanService;
  readonly #log: (message: string, error: unknown) => void;
  readonly #pending = new Set<string>();
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    db: Db,
    audit: AuditService,
    notifications: NotificationService,
    plans: PlanService,
    log: (message: string, error: unknown) => void,
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#notifications = notifications;
    this.#plans = plans;
    this.#log = log;
  }

  /**
   * Shots were committed for these tools: their plans are checked soon, in the background.
   * Calls arriving while a check runs are merged into the next one (one query per round,
   * however many batches the feeds deliver meanwhile).
   */
  shotsCommitted(toolIds: Iterable<string>): void {
    if (this.#closed) return;
    for (const id of toolIds) this.#pending.add(id);
    if (this.#pending.size > 0 && !this.#running) this.#running = this.#drain();
  }

  /** Resolves when the shot-triggered checks queued so far are done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.clear();
    await this.idle();
  }

  async #drain(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (this.#pending.size > 0 && !this.#closed) {
        const toolIds = [...this.#pending];
        this.#pending.clear();
        try {
          await this.evaluate(toolIds);
        } catch (error) {
          this.#log("plan check after shots failed", error);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** Checks the active plans of these tools, or of everything; opens actions and sends notices. */
  async evaluate(toolIds?: readonly string[], now = Date.now()): Promise<PlanCheckResult> {
    const plans = await this.#plans.activeStates(toolIds, now);
    const result: PlanCheckResult = { checked: plans.length, opened: 0, notified: 0 };
    for (const plan of plans) {
      if (plan.status === "not_due") continue;
      const { opened, notified } = await this.#raise(plan);
      result.opened += opened ? 1 : 0;
      result.notified += notified;
    }
    if (result.notified > 0) this.#notifications.mailQueued();
    return result;
  }

  async #raise(plan: Plan): Promise<{ opened: boolean; notified: number }> {
    const ctx = systemContext("plan-check");
    return transaction(this.#db, async (trx) => {
      if (!(await plansRepo.lockIfCycle(trx, plan.id, plan.last_done_at))) return { opened: false, notified: 0 };
      const level = plan.status === "warning" ? "warning" : "due";
      const now = new Date().toISOString();
      const subject = plan.tool_id
        ? `tool ${(await toolsRepo.findById(trx, plan.tool_id))?.asset_number ?? plan.tool_id}`
        : `machine ${(await machinesRepo.findById(trx, plan.machine_id!))?.code ?? plan.machine_id}`;
      const row = {
        ...emptyAction(now),
        id: newId(),
        title: `${plan.name} (${plan.activity}) on ${subject}`.slice(0, 200),
        description: describe(plan),
        kind: "preventive",
        priority: level === "warning" ? "medium" : "high",
        due_date: plan.forecast_due_date ? plan.forecast_due_date.slice(0, 10) : null,
        tool_id: plan.tool_id,
        machine_id: plan.machine_id,
        plan_id: plan.id,
        plan_cycle: plan.last_done_at,
      };
      const opened = await actionsRepo.insertUnlessExists(trx, row);
      if (opened) {
        await this.#audit.record(trx, ctx, {
          action: "action.create",
          entity_type: "action",
          entity_id: row.id,
          changes: { ...diff(null, row), source: [null, `maintenance_plan:${plan.id}`] },
        });
      }
      const notified = await this.#notifications.notifyIn(trx, {
        kind: level === "warning" ? "plan_warning" : "plan_due",
        userIds: await this.#notifications.supervisorsIn(trx),
        title:
          level === "warning"
            ? `Maintenance coming up: ${plan.name} on ${subject}`
            : `Maintenance due: ${plan.name} on ${subject}`,
        body: describe(plan),
        entity_type: "maintenance_plan",
        entity_id: plan.id,
        dedupe: `plan_${level}:${plan.id}:${plan.last_done_at}`,
      });
      return { opened, notified };
    });
  }
}

function describe(plan: Plan): string {
  const parts = [`Plan status: ${plan.status} (${Math.round(plan.progress * 100)} % of the interval).`];
  if (plan.remaining_shots !== null) parts.push(`Shots remaining: ${plan.remaining_shots}.`);
  if (plan.remaining_days !== null) parts.push(`Days remaining: ${plan.remaining_days}.`);
  if (plan.forecast_due_date) parts.push(`Forecast due: ${plan.forecast_due_date.slice(0, 10)}.`);
  return parts.join(" ");
}
