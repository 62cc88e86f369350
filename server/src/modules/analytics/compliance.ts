import type { Period } from "./repo.ts";

/** Past its interval by more than this share, a plan is overdue (the same rule as plans/status.ts). */
import { OVERDUE_AFTER } from "../plans/status.ts";

const DAY_MS = 86_400_000;

export interface CompliancePlan {
  id: string;
  tool_id: string | null;
  interval_shots: number | null;
  interval_days: number | null;
  created_at: string;
}

export interface Completion {
  id: string | null;
  plan_id: string;
  template_id: string | null;
  completed_at: string;
  /** The last completion before the period (only its time matters: it anchors the first cycle). */
  before: boolean;
}

export interface PlanCompliance {
  plan_id: string;
  /** Cycles judged in the period: completed, or overdue without completion. */
  judged: number;
  on_time: number;
  done_early: number;
  done_after_due: number;
  missed: number;
  /** Cycles not judged by the period's end: not yet done and not yet overdue. */
  pending: number;
  checklists_completed: number;
  checklists_on_time: number;
}

/**
 * Walks one plan's cycles (docs/analytics.md, "Maintenance compliance"). A cycle starts when the
 * plan is created or last done (floating intervals, as the plans themselves count). It falls due
 * when its days or shots reach the interval, and becomes overdue past it by OVERDUE_AFTER (10 %).
 * It is judged at its completion or at the moment it became overdue, whichever is first; it
 * counts for the period it is judged in, and is on time when completed no later than overdue.
 * Shots count per UTC day (the daily totals), from the day after the cycle started.
 */
export function planCompliance(
  plan: CompliancePlan,
  completions: readonly Completion[],
  /** Shots per UTC day (YYYY-MM-DD), in day order. */
  dailyShots: readonly (readonly [string, number])[] | undefined,
  period: Period,
): PlanCompliance {
  const result: PlanCompliance = {
    plan_id: plan.id,
    judged: 0,
    on_time: 0,
    done_early: 0,
    done_after_due: 0,
    missed: 0,
    pending: 0,
    checklists_completed: 0,
    checklists_on_time: 0,
  };
  const before = completions.find((c) => c.before);
  let anchor = before ? before.completed_at : plan.created_at;
  const inPeriod = completions.filter((c) => !c.before);
  const days = dailyShots ?? [];
  for (;;) {
    const { dueAt, overdueAt } = deadlines(plan, anchor, days, period.to);
    const next = inPeriod.find((c) => c.completed_at > anchor);
    const judgedAt = [next?.completed_at, overdueAt]
      .filter((t): t is string => t !== undefined && t !== null)
      .sort()[0];
    if (judgedAt === undefined) {
      result.pending++;
      break;
    }
    const onTime = next !== undefined && (overdueAt === null || next.completed_at <= overdueAt);
    if (judgedAt >= period.from && judgedAt < period.to) {
      result.judged++;
      if (onTime) {
        result.on_time++;
        if (dueAt !== null && next.completed_at >= dueAt) result.done_after_due++;
        else result.done_early++;
      } else result.missed++;
    }
    if (!next) break;
    if (next.template_id !== null) {
      result.checklists_completed++;
      if (onTime) result.checklists_on_time++;
    }
    anchor = next.completed_at;
  }
  return result;
}

/** When a cycle started at `anchor` falls due and becomes overdue, by days and by shots (null: not by `to`). */
function deadlines(
  plan: CompliancePlan,
  anchor: string,
  days: readonly (readonly [string, number])[],
  to: string,
): { dueAt: string | null; overdueAt: string | null } {
  const due: number[] = [];
  const overdue: number[] = [];
  if (plan.interval_days !== null) {
    due.push(Date.parse(anchor) + plan.interval_days * DAY_MS);
    overdue.push(Date.parse(anchor) + plan.interval_days * (1 + OVERDUE_AFTER) * DAY_MS);
  }
  if (plan.interval_shots !== null && plan.interval_shots > 0) {
    const anchorDay = anchor.slice(0, 10);
    // Days are YYYY-MM-DD, so they compare as their midnights do: the first day not counted is
    // the first whose midnight is not before `to`.
    const toDay = to.slice(0, 10);
    const stopDay = `${toDay}T00:00:00.000Z` >= to ? toDay : nextDay(toDay);
    let sum = 0;
    let dueFound = false;
    for (let i = firstAfter(days, anchorDay); i < days.length; i++) {
      const [day, shots] = days[i];
      if (day >= stopDay) break;
      sum += shots;
      if (!dueFound && sum >= plan.interval_shots) {
        due.push(Date.parse(day) + DAY_MS);
        dueFound = true;
      }
      if (sum > plan.interval_shots * (1 + OVERDUE_AFTER)) {
        overdue.push(Date.parse(day) + DAY_MS);
        break;
      }
    }
  }
  const first = (list: number[]) => {
    const at = list.length ? Math.min(...list) : null;
    return at === null || at >= Date.parse(to) ? null : new Date(at).toISOString();
  };
  return { dueAt: first(due), overdueAt: first(overdue) };
}

/** The index of the first day after `day` (binary search: a plan's cycles each start further on). */
function firstAfter(days: readonly (readonly [string, number])[], day: string): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid][0] <= day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nextDay(day: string): string {
  return new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10);
}
