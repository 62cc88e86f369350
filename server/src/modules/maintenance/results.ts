import { validationFailed, type ErrorDetail } from "../../errors.ts";
import type { ChecklistStep } from "../checklists/service.ts";

/** One answered step of a log. `passed` is null where pass/fail does not apply (text, photo). */
export interface LogResult {
  step_id: string;
  value: boolean | number | string | null;
  passed: boolean | null;
  note: string | null;
}

export interface ResultInput {
  step_id: string;
  value: boolean | number | string | null;
  passed?: boolean | null;
  note?: string | null;
}

export interface RequestDraft {
  reason: "failed_step" | "follow_up";
  step_id: string | null;
  title: string;
  note: string | null;
}

/**
 * Checks results against the steps of the log's template version and works out `passed`:
 * - check, pass_fail: the value is a boolean and decides `passed` (a contradicting `passed` is refused);
 * - number: a number; outside min..max the step fails whatever the client says (the request does not),
 *   inside it passes unless the client fails it;
 * - text: a string; photo: a photo id (opaque until photos arrive); `passed` as given, else null.
 * A null value records a step as not done (with a note, say); it does not count for completion.
 * Results come back in the template's step order.
 */
export function checkResults(steps: ChecklistStep[], results: ResultInput[]): LogResult[] {
  const details: ErrorDetail[] = [];
  const order = new Map(steps.map((s, i) => [s.id, i]));
  const seen = new Set<string>();
  const out: LogResult[] = [];
  results.forEach((result, i) => {
    const at = `results.${i}`;
    const step = steps[order.get(result.step_id) ?? -1];
    if (!step) {
      details.push({ field: `${at}.step_id`, message: "No such step in this checklist version", code: "unknown_step" });
      return;
    }
    if (seen.has(step.id)) {
      details.push({ field: `${at}.step_id`, message: "One result per step", code: "duplicate" });
      return;
    }
    seen.add(step.id);
    const note = result.note ?? null;
    const value = typeof result.value === "string" ? result.value.trim() || null : result.value;
    if (value === null) {
      out.push({ step_id: step.id, value: null, passed: null, note });
      return;
    }
    const wrongKind = (expected: string) =>
      details.push({
        field: `${at}.value`,
        message: `must be ${expected} for a ${step.kind} step`,
        code: "wrong_kind",
      });
    switch (step.kind) {
      case "check":
      case "pass_fail":
        if (typeof value !== "boolean") return wrongKind("true or false");
        if (result.passed != null && result.passed !== value) {
          details.push({
            field: `${at}.passed`,
            message: `follows the value for a ${step.kind} step`,
            code: "contradicts_value",
          });
          return;
        }
        out.push({ step_id: step.id, value, passed: value, note });
        return;
      case "number": {
        if (typeof value !== "number") return wrongKind("a number");
        const inLimits = (step.min === null || value >= step.min) && (step.max === null || value <= step.max);
        out.push({ step_id: step.id, value, passed: inLimits && result.passed !== false, note });
        return;
      }
      case "text":
        if (typeof value !== "string") return wrongKind("text");
        out.push({ step_id: step.id, value, passed: result.passed ?? null, note });
        return;
      case "photo":
        if (typeof value !== "string" || value.length > 64) return wrongKind("a photo id");
        out.push({ step_id: step.id, value, passed: result.passed ?? null, note });
        return;
    }
  });
  if (details.length > 0) throw validationFailed(details);
  return out.sort((a, b) => order.get(a.step_id)! - order.get(b.step_id)!);
}

/** Completing needs a result with a value for every required step: a 422 naming the rest. */
export function requireComplete(steps: ChecklistStep[], results: LogResult[]): void {
  const answered = new Set(results.filter((r) => r.value !== null).map((r) => r.step_id));
  const missing = steps.filter((s) => s.required && !answered.has(s.id));
  if (missing.length === 0) return;
  throw validationFailed(
    missing.map((s) => ({
      // One detail per step, named in the field, so a form can mark the step itself.
      field: `results.${s.id}`,
      message: `Required step ${s.id} ("${s.text}") has no result`,
      code: "required_step_missing",
    })),
    `Required steps without a result: ${missing.map((s) => s.id).join(", ")}`,
  );
}

/** What a completed log asks the actions issue to follow up: each failed step, and the follow-up flag. */
export function actionRequestsOf(
  steps: ChecklistStep[],
  log: { results: LogResult[]; follow_up_required: boolean; observations: string | null },
): RequestDraft[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const drafts: RequestDraft[] = [];
  for (const result of log.results) {
    if (result.passed !== false) continue;
    const step = byId.get(result.step_id);
    const limits =
      step?.kind === "number"
        ? ` (limits ${step.min ?? "–"} to ${step.max ?? "–"}${step.unit ? ` ${step.unit}` : ""})`
        : "";
    drafts.push({
      reason: "failed_step",
      step_id: result.step_id,
      title: truncate(`Failed: ${step?.text ?? result.step_id}`, 200),
      note: truncate(
        [typeof result.value === "number" ? `Measured ${result.value}${limits}` : null, result.note]
          .filter(Boolean)
          .join(". ") || "",
        2000,
      ),
    });
  }
  if (log.follow_up_required) {
    drafts.push({
      reason: "follow_up",
      step_id: null,
      title: "Follow-up requested in a maintenance log",
      note: log.observations ? truncate(log.observations, 2000) : null,
    });
  }
  return drafts.map((d) => ({ ...d, note: d.note || null }));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
