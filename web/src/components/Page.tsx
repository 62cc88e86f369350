import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Button } from "./Button";

export interface Crumb {
  label: string;
  to?: string;
}

/** Where the page sits: Plant › Line › Machine. The last crumb is the page itself. */
export function Breadcrumbs({ items }: { items: Crumb[] }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("common.breadcrumb")} className="mb-2 text-sm">
      <ol className="flex flex-wrap items-center gap-x-1 text-slate-600 dark:text-slate-400">
        {items.map((item, i) => (
          <li key={i} className="flex min-w-0 items-center gap-1">
            {i > 0 && <span aria-hidden="true">›</span>}
            {item.to ? (
              <Link
                to={item.to}
                className="inline-flex min-h-12 items-center rounded px-1 font-medium text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
              >
                {item.label}
              </Link>
            ) : (
              <span aria-current="page" className="truncate px-1">
                {item.label}
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A link styled as a button (48 px touch target). */
export function ButtonLink({
  to,
  children,
  variant = "primary",
}: {
  to: string;
  children: ReactNode;
  variant?: "primary" | "secondary";
}) {
  return (
    <Link
      to={to}
      className={`inline-flex min-h-12 items-center justify-center rounded-lg px-5 text-base font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 ${
        variant === "primary"
          ? "bg-blue-700 text-white hover:bg-blue-800 dark:bg-blue-500 dark:text-slate-950 dark:hover:bg-blue-400"
          : "border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700"
      }`}
    >
      {children}
    </Link>
  );
}

/** "Load more" under a paginated list; hidden when there is nothing more. */
export function LoadMore({ hasMore, loading, onClick }: { hasMore: boolean; loading: boolean; onClick: () => void }) {
  const { t } = useTranslation();
  if (!hasMore) return null;
  return (
    <div className="mt-4 flex justify-center">
      <Button variant="secondary" onClick={onClick} disabled={loading}>
        {loading ? t("loading") : t("common.loadMore")}
      </Button>
    </div>
  );
}
