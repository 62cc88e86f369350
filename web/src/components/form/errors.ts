import type { TFunction } from "i18next";
import { errorText, fieldErrors } from "../../api/errors";
import { isGraphQLError } from "../../api/graphql";

/**
 * A failed save split for a form: messages for the fields the form shows, and one general
 * message — a short "check the fields" when every problem sits at a field, else the full text.
 */
export function formErrors(
  t: TFunction,
  error: unknown,
  shown: readonly string[],
): { fields: Record<string, string>; general: string | null } {
  if (!error) return { fields: {}, general: null };
  const all = fieldErrors(t, error);
  const fields = Object.fromEntries(Object.entries(all).filter(([field]) => shown.includes(field)));
  const unplaced = Object.keys(all).some((field) => !shown.includes(field));
  const placed = Object.keys(fields).length > 0;
  if (placed && !unplaced && isGraphQLError(error, "BAD_USER_INPUT")) return { fields, general: t("errors.invalid") };
  return { fields, general: errorText(t, error) };
}

/** `<input type="datetime-local">` works in local time without a zone; the API wants ISO 8601 with one. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
