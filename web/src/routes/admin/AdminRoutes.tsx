/**
 * The administration pages, one lazy chunk (only office roles ever load it). Each section checks
 * its own permission, so a typed address of a section the role may not use is refused in words.
 */
import { useTranslation } from "react-i18next";
import { Link, Navigate, Outlet, Route, Routes, useLocation } from "react-router";
import { useAbilities, type Abilities } from "../../auth/user";
import { BackupsAdmin } from "./BackupsAdmin";
import { IntegrationsAdmin } from "./IntegrationsAdmin";
import { ReasonsAdmin } from "./ReasonsAdmin";
import { SettingsAdmin } from "./SettingsAdmin";
import { TemplateEditor } from "./TemplateEditor";
import { TemplatesAdmin } from "./TemplatesAdmin";
import { UsersAdmin } from "./UsersAdmin";

export type AdminSection = "users" | "reasons" | "checklists" | "integrations" | "settings" | "backups";

/** The sections a role may open, in menu order. */
export function adminSections(can: Abilities): AdminSection[] {
  const sections: AdminSection[] = [];
  if (can.readUsers) sections.push("users");
  if (can.writeCatalog) sections.push("reasons");
  if (can.writeChecklists) sections.push("checklists");
  if (can.writeSettings) sections.push("integrations", "settings");
  if (can.writeBackups) sections.push("backups");
  return sections;
}

function AdminLayout() {
  const { t } = useTranslation();
  const sections = adminSections(useAbilities());
  const { pathname } = useLocation();
  return (
    <>
      <h1 className="text-3xl font-bold">{t("admin.heading")}</h1>
      {sections.length === 0 ? (
        <p role="alert" className="mt-4 text-lg" data-testid="admin-refused">
          {t("errors.forbidden")}
        </p>
      ) : (
        <>
          <nav aria-label={t("admin.sectionsLabel")} className="mt-4 border-b border-slate-200 dark:border-slate-700">
            <ul className="flex gap-1 overflow-x-auto">
              {sections.map((section) => {
                const current = pathname.startsWith(`/admin/${section}`);
                return (
                  <li key={section}>
                    <Link
                      to={`/admin/${section}`}
                      aria-current={current ? "page" : undefined}
                      className={`inline-flex min-h-12 items-center border-b-4 px-4 font-semibold whitespace-nowrap ${
                        current
                          ? "border-blue-700 text-blue-800 dark:border-blue-400 dark:text-blue-200"
                          : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
                      }`}
                    >
                      {t(`admin.sections.${section}`)}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          <div className="mt-6">
            <Outlet />
          </div>
        </>
      )}
    </>
  );
}

export { Refused } from "../../components/Refused";

function AdminIndex() {
  const sections = adminSections(useAbilities());
  return sections.length ? <Navigate to={`/admin/${sections[0]}`} replace /> : null;
}

export default function AdminRoutes() {
  return (
    <Routes>
      <Route element={<AdminLayout />}>
        <Route index element={<AdminIndex />} />
        <Route path="users" element={<UsersAdmin />} />
        <Route path="reasons" element={<ReasonsAdmin />} />
        <Route path="checklists" element={<TemplatesAdmin />} />
        <Route path="checklists/new" element={<TemplateEditor />} />
        <Route path="checklists/:templateId" element={<TemplateEditor />} />
        <Route path="integrations" element={<IntegrationsAdmin />} />
        <Route path="settings" element={<SettingsAdmin />} />
        <Route path="backups" element={<BackupsAdmin />} />
      </Route>
    </Routes>
  );
}
