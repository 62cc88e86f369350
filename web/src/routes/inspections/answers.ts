/**
 * What the person at the press has entered for each step, before and after it is saved.
 * Numbers keep the typed text, so "0," can be on the way to "0,04" without being refused.
 */
import type { Result, Step, StepValue } from "../../api/inspections";
import { parseDecimal } from "../tools/numbers";

export interface Answer {
  value: StepValue;
  /** The number as typed (number steps). */
  raw: string;
  note: string;
  /** The file name of the photo taken on this tablet for a photo step (its id is the value). */
  photo: string | null;
}

export type Answers = Record<string, Answer>;

export const EMPTY_ANSWER: Answer = { value: null, raw: "", note: "", photo: null };

export function answersOf(steps: Step[], results: Result[]): Answers {
  const byStep = new Map(results.map((r) => [r.stepId, r]));
  return Object.fromEntries(
    steps.map((step) => {
      const result = byStep.get(step.id);
      const value = result?.value ?? null;
      return [
        step.id,
        { value, raw: typeof value === "number" ? String(value) : "", note: result?.note ?? "", photo: null },
      ];
    }),
  );
}

/** A number typed that is not a number: kept on screen, not sent. */
export function badNumber(step: Step, answer: Answer): boolean {
  return step.kind === "number" && !parseDecimal(answer.raw).ok;
}

export function outsideLimits(step: Step, value: StepValue): boolean {
  if (step.kind !== "number" || typeof value !== "number") return false;
  return (step.min !== null && value < step.min) || (step.max !== null && value > step.max);
}

export function answered(answer: Answer | undefined): boolean {
  return answer !== undefined && answer.value !== null && answer.value !== "";
}

/** Fails as the server will judge it: a failed pass/fail or a number outside its limits. */
export function failed(step: Step, answer: Answer | undefined): boolean {
  if (!answer) return false;
  if (step.kind === "pass_fail") return answer.value === false;
  return outsideLimits(step, answer.value);
}

/** The results to send: every step, `null` for what is not done. */
export function resultsOf(steps: Step[], answers: Answers) {
  return steps.map((step) => {
    const answer = answers[step.id] ?? EMPTY_ANSWER;
    const value = typeof answer.value === "string" ? answer.value.trim() || null : answer.value;
    return { stepId: step.id, value, note: answer.note.trim() || null };
  });
}
