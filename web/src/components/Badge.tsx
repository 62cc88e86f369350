import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { DowntimeCategory, LineStatus, MachineStatus, RepairStatus } from "../api/plant";

type Tone = "green" | "red" | "amber" | "slate" | "blue";

const TONES: Record<Tone, string> = {
  green: "bg-green-100 text-green-900 ring-green-600/30 dark:bg-green-950 dark:text-green-200 dark:ring-green-400/30",
  red: "bg-red-100 text-red-900 ring-red-600/30 dark:bg-red-950 dark:text-red-200 dark:ring-red-400/30",
  amber: "bg-amber-100 text-amber-900 ring-amber-600/30 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-400/30",
  slate: "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-400/30",
  blue: "bg-blue-100 text-blue-900 ring-blue-600/30 dark:bg-blue-950 dark:text-blue-200 dark:ring-blue-400/30",
};

const MACHINE_TONE: Record<MachineStatus, Tone> = {
  operational: "green",
  down: "red",
  maintenance: "amber",
  retired: "slate",
};
const LINE_TONE: Record<LineStatus, Tone> = { running: "green", maintenance: "amber", stopped: "red" };
const REPAIR_TONE: Record<RepairStatus, Tone> = { open: "amber", in_progress: "blue", closed: "slate" };
const CATEGORY_TONE: Record<DowntimeCategory, Tone> = { unplanned: "red", planned: "blue", excluded: "slate" };

export function Badge({
  tone,
  large = false,
  children,
  testId,
}: {
  tone: Tone;
  large?: boolean;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <span
      data-testid={testId}
      className={`inline-flex shrink-0 items-center rounded-full font-semibold whitespace-nowrap ring-1 ring-inset ${
        large ? "px-4 py-1.5 text-lg" : "px-2.5 py-0.5 text-sm"
      } ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}

/** A status word without a known colour (a newer server's value) still shows, in grey. */
function toneOf<T extends string>(map: Record<T, Tone>, value: string): Tone {
  return (map as Record<string, Tone>)[value] ?? "slate";
}

export function MachineStatusBadge({ status, large, testId }: { status: string; large?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(MACHINE_TONE, status)} large={large} testId={testId}>
      {t(`status.machine.${status as MachineStatus}`, { defaultValue: status })}
    </Badge>
  );
}

export function LineStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(LINE_TONE, status)}>{t(`status.line.${status as LineStatus}`, { defaultValue: status })}</Badge>
  );
}

export function RepairStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(REPAIR_TONE, status)}>
      {t(`status.repair.${status as RepairStatus}`, { defaultValue: status })}
    </Badge>
  );
}

export function CategoryBadge({ category }: { category: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(CATEGORY_TONE, category)}>
      {t(`status.category.${category as DowntimeCategory}`, { defaultValue: category })}
    </Badge>
  );
}

const TOOL_TONE: Record<string, Tone> = { active: "green", in_maintenance: "amber", stored: "blue", retired: "slate" };
/** Plan colours run with urgency: fine, soon, now, late. */
const PLAN_TONE: Record<string, Tone> = { not_due: "green", warning: "amber", due: "red", overdue: "red" };
const LOG_TONE: Record<string, Tone> = { draft: "amber", completed: "blue", signed: "green" };

export function ToolStatusBadge({ status, large, testId }: { status: string; large?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(TOOL_TONE, status)} large={large} testId={testId}>
      {t(`status.tool.${status as "active"}`, { defaultValue: status })}
    </Badge>
  );
}

export function PlanStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(PLAN_TONE, status)} testId="plan-status">
      {status === "overdue" && <span aria-hidden="true">⚠ </span>}
      {t(`status.plan.${status as "due"}`, { defaultValue: status })}
    </Badge>
  );
}

export function LogStatusBadge({ status, large }: { status: string; large?: boolean }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(LOG_TONE, status)} large={large} testId="log-status">
      {t(`status.log.${status as "draft"}`, { defaultValue: status })}
    </Badge>
  );
}

const SEVERITY_TONE: Record<string, Tone> = { low: "slate", medium: "blue", high: "amber", critical: "red" };
const FAILURE_TONE: Record<string, Tone> = { open: "red", investigating: "amber", closed: "slate" };
const ACTION_TONE: Record<string, Tone> = {
  open: "amber",
  in_progress: "blue",
  completed: "green",
  verified: "green",
  cancelled: "slate",
};

/** Severity of a failure, and priority of an action (the same four words). */
export function SeverityBadge({ severity }: { severity: string }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(SEVERITY_TONE, severity)} testId="severity">
      {t(`status.severity.${severity as "low"}`, { defaultValue: severity })}
    </Badge>
  );
}

export function FailureStatusBadge({ status, large }: { status: string; large?: boolean }) {
  const { t } = useTranslation();
  return (
    <Badge tone={toneOf(FAILURE_TONE, status)} large={large} testId="failure-status">
      {t(`status.failure.${status as "open"}`, { defaultValue: status })}
    </Badge>
  );
}

export function ActionStatusBadge({ status, overdue }: { status: string; overdue?: boolean }) {
  const { t } = useTranslation();
  return (
    <Badge tone={overdue ? "red" : toneOf(ACTION_TONE, status)} testId="action-status">
      {overdue && <span aria-hidden="true">⚠ </span>}
      {t(`status.action.${status as "open"}`, { defaultValue: status })}
    </Badge>
  );
}
