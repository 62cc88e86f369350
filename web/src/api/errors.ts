/**
 * Server errors as text for people. GraphQL answers carry `extensions.code` and, for bad input
 * or conflicts, `extensions.details` [{ field, message, code }] with camelCase field names.
 * Known detail codes are translated; anything else shows the server's own (English) message.
 */
import type { TFunction } from "i18next";
import { useCallback } from "react";
import { useTranslation } from "react-i18next";
import { isGraphQLError, type GraphQLErrorEntry } from "./graphql";

type Detail = NonNullable<NonNullable<GraphQLErrorEntry["extensions"]>["details"]>[number];

/** The field-level details of a failed request (none for other failures). */
export function errorDetails(error: unknown): Detail[] {
  if (!isGraphQLError(error)) return [];
  return error.errors.flatMap((e) => e.extensions?.details ?? []);
}

/** One field-level detail in the user's language, or the server's message when it is not a known one. */
export function detailText(t: TFunction, detail: Detail): string {
  switch (detail.code) {
    case "duplicate":
      return t("errors.details.duplicate");
    case "future":
      return t("errors.details.future");
    case "end_before_start":
      return t("errors.details.endBeforeStart");
    case "required_to_close":
      return t("errors.details.requiredToClose");
    case "ongoing_exists":
      return t("errors.details.ongoingExists");
    case "already_ended":
      return t("errors.details.alreadyEnded");
    case "already_closed":
      return t("errors.details.alreadyClosed");
    case "already_linked":
      return t("errors.details.alreadyLinked");
    case "overlap":
      return t("errors.details.overlap");
    case "wrong_password":
      return t("errors.details.wrongPassword");
    case "mounted":
      return t("errors.details.mounted");
    case "not_mounted":
      return t("errors.details.notMounted");
    case "machine_occupied":
      return t("errors.details.machineOccupied");
    case "in_maintenance":
      return t("errors.details.inMaintenance");
    case "retired":
      return t("errors.details.retired");
    case "required_step_missing":
      return t("errors.details.requiredStep");
    case "password_too_short": {
      const chars = /^must be at least (\d+) characters$/.exec(detail.message);
      if (chars) return t("errors.details.atLeastChars", { min: chars[1] });
      break;
    }
    case "invalid_format":
      if (/letters, digits/.test(detail.message)) return t("errors.details.codeFormat");
      break;
    case "too_small": {
      if (detail.message === "must not be empty") return t("errors.details.required");
      const least = /^must be at least (\d+)$/.exec(detail.message);
      if (least) return t("errors.details.atLeast", { min: least[1] });
      const chars = /^must be at least (\d+) characters$/.exec(detail.message);
      if (chars) return t("errors.details.atLeastChars", { min: chars[1] });
      if (detail.message === "must not be negative") return t("errors.details.notNegative");
      break;
    }
  }
  return detail.message;
}

/** The message to show for a failed request as a whole. */
export function errorText(t: TFunction, error: unknown): string {
  if (!isGraphQLError(error)) return t("errors.unexpected", { message: String(error) });
  switch (error.code) {
    case "NETWORK":
      return t("errors.network");
    case "FORBIDDEN":
      return t("errors.forbidden");
    case "NOT_FOUND":
      return t("errors.notFound");
    case "CONFLICT": {
      // A conflict names what clashed: say that, not just "conflict".
      const [first] = errorDetails(error);
      return first ? detailText(t, first) : error.message;
    }
    case "BAD_USER_INPUT": {
      const all = errorDetails(error);
      if (all.length === 0) return error.message;
      return `${t("errors.invalid")} ${all.map((d) => detailText(t, d)).join("; ")}`;
    }
  }
  return t("errors.unexpected", { message: error.message });
}

/**
 * Field → message for forms. Fields come as the input's camelCase names (`code`, `endDatetime`);
 * a nested path (`input.code`) is reduced to its last part. The first message per field wins.
 */
export function fieldErrors(t: TFunction, error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const detail of errorDetails(error)) {
    const field = detail.field.split(".").pop() ?? detail.field;
    out[field] ??= detailText(t, detail);
  }
  return out;
}

/** `errorText` bound to the current language. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return useCallback((error: unknown) => errorText(t, error), [t]);
}
