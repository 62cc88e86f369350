import { useTranslation } from "react-i18next";
import { useErrorText } from "../api/errors";
import { isGraphQLError } from "../api/graphql";
import { Button } from "./Button";

/** A quiet "Loading…" for a section or page. */
export function Loading({ className = "" }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <p role="status" className={`py-6 text-lg text-slate-500 dark:text-slate-400 ${className}`}>
      {t("loading")}
    </p>
  );
}

/** A failed request, in words, with a retry when one makes sense (not for a record that is gone or forbidden). */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  const final = isGraphQLError(error, "NOT_FOUND") || isGraphQLError(error, "FORBIDDEN");
  return (
    <div
      role="alert"
      className="flex flex-wrap items-center gap-3 rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
    >
      <span className="min-w-0 flex-1">{text(error)}</span>
      {onRetry && !final && (
        <Button variant="secondary" onClick={onRetry}>
          {t("errors.retry")}
        </Button>
      )}
    </div>
  );
}

/** A form's error that belongs to no single field (a conflict, a refused request), under the fields. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="font-medium text-red-700 dark:text-red-300">
      {message}
    </p>
  );
}
