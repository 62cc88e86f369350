import { Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation } from "react-router";
import type { Me } from "../api/session";
import { abilities } from "../auth/user";
import { Button } from "./Button";
import { LanguageSwitch } from "./LanguageSwitch";
import { Loading } from "./Feedback";
import { ThemeSwitch } from "./ThemeSwitch";

interface Props {
  user: Me;
  onLogout: () => Promise<void>;
}

type NavKey =
  | "home"
  | "plant"
  | "newLine"
  | "tools"
  | "newTool"
  | "failures"
  | "actions"
  | "analytics"
  | "account"
  | "admin"
  | "scan";

interface NavItem {
  to: string;
  label: NavKey;
  /** Only the start page matches exactly; a section stays current on its sub-pages. */
  end?: boolean;
}

/** The item for the current page: the longest match, so "New line" wins over "Plant" on its own page. */
function currentItem(items: NavItem[], pathname: string): NavItem | undefined {
  const matches = items.filter((item) =>
    item.end ? pathname === item.to : pathname === item.to || pathname.startsWith(`${item.to}/`),
  );
  return matches.sort((a, b) => b.to.length - a.to.length)[0];
}

/** Only pages that exist, and only those the role can use. */
function navItems(user: Me): NavItem[] {
  const can = abilities(user);
  // Every role reads the plant and the tools (SPEC §2).
  const items: NavItem[] = [
    { to: "/", label: "home", end: true },
    { to: "/plant", label: "plant" },
  ];
  if (can.writePlant) items.push({ to: "/plant/lines/new", label: "newLine" });
  items.push({ to: "/tools", label: "tools" });
  if (can.writeTools) items.push({ to: "/tools/new", label: "newTool" });
  // Everyone reads failures and actions; the pages hide what the role cannot do.
  items.push({ to: "/failures", label: "failures" }, { to: "/actions", label: "actions" });
  // The plant's figures: every role that reads the plant (exports and reports are inside, for managers).
  if (can.readAnalytics) items.push({ to: "/analytics", label: "analytics" });
  // Scanning a label works for everyone: it only opens pages the role can read anyway.
  items.push({ to: "/scan", label: "scan" });
  // Administration: shown when at least one of its sections is allowed (users, reasons, checklists, integrations).
  if (can.readUsers || can.writeCatalog || can.writeChecklists || can.writeSettings) {
    items.push({ to: "/admin", label: "admin" });
  }
  // Every user's own password and sessions.
  items.push({ to: "/account", label: "account" });
  return items;
}

const navLinkClass = (isActive: boolean) =>
  `flex min-h-12 items-center rounded-lg px-4 font-semibold whitespace-nowrap ${
    isActive
      ? "bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200"
      : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
  }`;

/** The authenticated frame: top bar, navigation and the routed page. */
export function Shell({ user, onLogout }: Props) {
  const { t } = useTranslation();
  const [leaving, setLeaving] = useState(false);
  const name = user.fullName?.trim() || user.username;
  const { pathname } = useLocation();
  const items = navItems(user);
  const current = currentItem(items, pathname);

  async function logout() {
    setLeaving(true);
    await onLogout();
  }

  return (
    <div className="flex min-h-dvh flex-col">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2">
          <Link
            to="/"
            className="mr-auto flex min-h-12 items-center gap-2 rounded-lg text-2xl font-black tracking-tight text-blue-700 dark:text-blue-400"
          >
            {t("appName")}
            <span className="hidden text-sm font-medium text-slate-500 lg:inline dark:text-slate-400">
              {t("appTitle")}
            </span>
          </Link>
          <div className="min-w-0 text-right leading-tight">
            <p className="truncate font-semibold" data-testid="user-name">
              {name}
            </p>
            <p className="truncate text-sm text-slate-600 dark:text-slate-400">
              {name !== user.username && <span data-testid="user-username">{user.username} · </span>}
              <span className="sr-only">{t("shell.role")}: </span>
              <span
                data-testid="user-role"
                className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-semibold tracking-wide text-slate-700 uppercase dark:bg-slate-800 dark:text-slate-300"
              >
                {user.role}
              </span>
            </p>
          </div>
          <LanguageSwitch />
          <ThemeSwitch />
          <Button variant="secondary" onClick={() => void logout()} disabled={leaving}>
            {leaving ? t("shell.loggingOut") : t("shell.logout")}
          </Button>
        </div>
      </header>

      <div className="flex min-w-0 flex-1 flex-col lg:flex-row">
        <nav
          aria-label={t("shell.navLabel")}
          className="border-b border-slate-200 bg-white lg:w-60 lg:shrink-0 lg:border-r lg:border-b-0 dark:border-slate-800 dark:bg-slate-900"
        >
          <ul className="flex gap-1 overflow-x-auto p-2 lg:flex-col">
            {items.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  aria-current={item === current ? "page" : undefined}
                  className={navLinkClass(item === current)}
                >
                  {t(`shell.nav.${item.label}`)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>

        <main className="min-w-0 flex-1 p-4 sm:p-6 lg:p-10">
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}
