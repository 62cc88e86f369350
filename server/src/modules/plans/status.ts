/**
 * A plan's state from its interval and what has happened since it was last done. Pure
 * arithmetic, kept apart from the service so that tests and the reminders job use the same
 * rules (docs/maintenance-plans.md).
 */

export const PLAN_STATUSES = ["not_due", "warning", "due", "overdue"] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** Past the interval by more than this share of it, a plan is overdue rather than due. */
export const OVERDUE_AFTER = 0.1;
/** Days of shot history behind the forecast. */
export const RATE_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

export interface PlanState {
  status: PlanStatus;
  used_shots: number | null;
  remaining_shots: number | null;
  remaining_days: number | null;
  /** When the plan falls due at the recent shot rate or by the calendar, whichever comes first. */
  forecast_due_date: string | null;
  /** How far through its interval the plan is (1 = due), the larger of shots and days. */
  progress: number;
}

export function planState(
  plan: {
    interval_shots: number | null;
    interval_days: number | null;
    warn_at_percent: number;
    last_done_at: string;
    last_done_shots: number;
  },
  ownerShots: number | null,
  shotsPerDay: number,
  now: number,
): PlanState {
  const lastDone = Date.parse(plan.last_done_at);
  let progress = 0;
  let remainingShots: number | null = null;
  let usedShots: number | null = null;
  let remainingDays: number | null = null;
  const dueDates: number[] = [];

  if (plan.interval_shots !== null && ownerShots !== null) {
    usedShots = Math.max(0, ownerShots - plan.last_done_shots);
    remainingShots = plan.interval_shots - usedShots;
    progress = Math.max(progress, usedShots / plan.interval_shots);
    if (remainingShots <= 0) dueDates.push(now);
    else if (shotsPerDay > 0) dueDates.push(now + (remainingShots / shotsPerDay) * DAY_MS);
  }
  if (plan.interval_days !== null) {
    const elapsedDays = Math.max(0, (now - lastDone) / DAY_MS);
    remainingDays = Math.round((plan.interval_days - elapsedDays) * 10) / 10;
    progress = Math.max(progress, elapsedDays / plan.interval_days);
    dueDates.push(lastDone + plan.interval_days * DAY_MS);
  }

  const status: PlanStatus =
    progress > 1 + OVERDUE_AFTER
      ? "overdue"
      : progress >= 1
        ? "due"
        : progress >= plan.warn_at_percent / 100
          ? "warning"
          : "not_due";
  return {
    status,
    used_shots: usedShots,
    remaining_shots: remainingShots,
    remaining_days: remainingDays,
    forecast_due_date: forecastDate(dueDates),
    progress: Math.round(progress * 10_000) / 10_000,
  };
}

/** Latest forecast worth stating: a huge interval at a slow rate lands past what dates can hold. */
const LAST_FORECAST_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** The earliest due date, or null when there is none or it lies beyond any ISO 8601 year. */
function forecastDate(dueDates: number[]): string | null {
  const earliest = Math.min(...dueDates);
  return Number.isFinite(earliest) && earliest <= LAST_FORECAST_MS ? new Date(earliest).toISOString() : null;
}
