import { QueryState } from "../../components/QueryState";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { fetchAllTemplates } from "../../api/admin";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { Badge } from "../../components/Badge";
import { ButtonLink, LoadMore } from "../../components/Page";
import { Refused } from "./AdminRoutes";

/** Checklist templates, inactive ones included: each opens its editor (and its older versions). */
export function TemplatesAdmin() {
  const { t } = useTranslation();
  const can = useAbilities();
  const query = useInfiniteQuery({
    queryKey: keys.adminTemplates,
    queryFn: ({ pageParam }) => fetchAllTemplates(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    enabled: can.writeChecklists,
  });
  if (!can.writeChecklists) return <Refused />;
  const templates = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="templates-heading">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="templates-heading" className="mr-auto text-2xl font-bold">
          {t("admin.templates.heading")}
        </h2>
        <ButtonLink to="/admin/checklists/new">{t("admin.templates.new")}</ButtonLink>
      </div>
      <QueryState query={query}>
        {() => (
          <ul className="mt-4 grid gap-3" data-testid="template-list">
            {templates.map((template) => (
              <li key={template.id}>
                <Link
                  to={`/admin/checklists/${template.id}`}
                  className={`flex min-h-12 flex-wrap items-center gap-3 rounded-xl border border-slate-200 p-4 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800 ${
                    template.active ? "" : "opacity-60"
                  }`}
                >
                  <span className="min-w-0 flex-1">
                    <span className="block text-lg font-semibold text-blue-700 dark:text-blue-400">
                      {template.name}
                    </span>
                    {template.description && (
                      <span className="block text-sm text-slate-600 dark:text-slate-400">{template.description}</span>
                    )}
                  </span>
                  <Badge tone="blue">{t(`admin.templates.appliesTo.${template.appliesTo}`)}</Badge>
                  <Badge tone="slate">{t("admin.templates.versionN", { version: template.latestVersion })}</Badge>
                  {template.builtin && <Badge tone="slate">{t("admin.templates.builtin")}</Badge>}
                  {!template.active && <Badge tone="amber">{t("admin.templates.inactive")}</Badge>}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore
        hasMore={!!query.hasNextPage}
        loading={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      />
    </section>
  );
}
