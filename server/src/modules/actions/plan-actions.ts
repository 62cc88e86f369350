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
 *
 * Kept light because it follows the shot feed (thousands of messages a second on one SQLite
 * connection): shot-triggered rounds are at least `minGapMs` apart, collecting the tools of
 * every commit in between; and a plan whose (interval, level) was raised already is not written
 * to again by this process (the database would add nothing, but the write transaction would
 * still queue behind the feed every round, for as long as the plan stays due).
 */
export class PlanActionWatcher {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #notifications: NotificationService;
  readonly #plans: PlanService;
  readonly #log: (message: string, error: unknown) => void;
  readonly #minGapMs: number;
  readonly #pending = new Set<string>();
  /** Per plan, the `last_done_at|level` raised last: a plan's interval and level only move forward. */
  readonly #raised = new Map<string, string>();
  #running: Promise<void> | undefined;
  #lastRoundAt = -Infinity;
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(
    db: Db,
    audit: AuditService,
    notifications: NotificationService,
    plans: PlanService,
    log: (message: string, error: unknown) => void,
    options: { minGapMs?: number } = {},
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#notifications = notifications;
    this.#plans = plans;
    this.#log = log;
    this.#minGapMs = options.minGapMs ?? 30_000;
  }

  /**
   * Shots were committed for these tools: their plans are checked soon, in the background.
   * Calls arriving while a check runs or waits out the gap are merged into the next one.
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
    this.#wake?.();
    await this.idle();
  }

  async #drain(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (this.#pending.size > 0 && !this.#closed) {
        await this.#waitForGap();
        if (this.#closed) break;
        const toolIds = [...this.#pending];
        this.#pending.clear();
        this.#lastRoundAt = performance.now();
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

  /** Waits until `minGapMs` after the last round began; `close` cuts the wait short. */
  async #waitForGap(): Promise<void> {
    const wait = this.#lastRoundAt + this.#minGapMs - performance.now();
    if (wait <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  /** Checks the active plans of these tools, or of everything; opens actions and sends notices. */
  async evaluate(toolIds?: readonly string[], now = Date.now()): Promise<PlanCheckResult> {
    const plans = await this.#plans.activeStates(toolIds, now);
    const result: PlanCheckResult = { checked: plans.length, opened: 0, notified: 0 };
    for (const plan of plans) {
      if (plan.status === "not_due") {
        this.#raised.delete(plan.id);
        continue;
      }
      const raise = `${plan.last_done_at}|${plan.status === "warning" ? "warning" : "due"}`;
      if (this.#raised.get(plan.id) === raise) continue;
      const { locked, opened, notified } = await this.#raise(plan);
      // Remembered only once committed, and only while the plan was still in this interval.
      if (locked) this.#raised.set(plan.id, raise);
      result.opened += opened ? 1 : 0;
      result.notified += notified;
    }
    if (result.notified > 0) this.#notifications.mailQueued();
    return result;
  }

  async #raise(plan: Plan): Promise<{ locked: boolean; opened: boolean; notified: number }> {
    const ctx = systemContext("plan-check");
    return transaction(this.#db, async (trx) => {
      if (!(await plansRepo.lockIfCycle(trx, plan.id, plan.last_done_at)))
        return { locked: false, opened: false, notified: 0 };
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
      return { locked: true, opened, notified };
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
