import { useState } from "react";
import type { Me } from "../api/session";
import { messages as t } from "../i18n/en";
import { Button } from "./Button";
import { ThemeSwitch } from "./ThemeSwitch";

interface Props {
  user: Me;
  onLogout: () => Promise<void>;
}

const SECTIONS = [t.shell.nav.plant, t.shell.nav.tools, t.shell.nav.inspections, t.shell.nav.failures];

/** The authenticated frame: top bar, navigation (placeholders for now) and the main area. */
export function Shell({ user, onLogout }: Props) {
  const [leaving, setLeaving] = useState(false);
  const name = user.fullName?.trim() || user.username;

  async function logout() {
    setLeaving(true);
    await onLogout();
  }

  return (
    <div className="flex min-h-dvh flex-col">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2">
          <a
            href="/"
            className="mr-auto flex min-h-12 items-center gap-2 rounded-lg text-2xl font-black tracking-tight text-blue-700 dark:text-blue-400"
          >
            {t.appName}
            <span className="hidden text-sm font-medium text-slate-500 lg:inline dark:text-slate-400">
              {t.appTitle}
            </span>
          </a>
          <div className="min-w-0 text-right leading-tight">
            <p className="truncate font-semibold" data-testid="user-name">
              {name}
            </p>
            <p className="truncate text-sm text-slate-600 dark:text-slate-400">
              {name !== user.username && <span data-testid="user-username">{user.username} · </span>}
              <span className="sr-only">{t.shell.role}: </span>
              <span
                data-testid="user-role"
                className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-semibold tracking-wide text-slate-700 uppercase dark:bg-slate-800 dark:text-slate-300"
              >
                {user.role}
              </span>
            </p>
          </div>
          <ThemeSwitch />
          <Button variant="secondary" onClick={() => void logout()} disabled={leaving}>
            {leaving ? t.shell.loggingOut : t.shell.logout}
          </Button>
        </div>
      </header>

      <div className="flex flex-1 flex-col lg:flex-row">
        <nav
          aria-label={t.shell.navLabel}
          className="border-b border-slate-200 bg-white lg:w-60 lg:shrink-0 lg:border-r lg:border-b-0 dark:border-slate-800 dark:bg-slate-900"
        >
          <ul className="flex gap-1 overflow-x-auto p-2 lg:flex-col">
            <li>
              <a
                href="/"
                aria-current="page"
                className="flex min-h-12 items-center rounded-lg bg-blue-50 px-4 font-semibold whitespace-nowrap text-blue-800 dark:bg-blue-950 dark:text-blue-200"
              >
                {t.shell.nav.home}
              </a>
            </li>
            {SECTIONS.map((label) => (
              <li key={label}>
                <span
                  aria-disabled="true"
                  className="flex min-h-12 items-center gap-2 rounded-lg px-4 whitespace-nowrap text-slate-400 dark:text-slate-500"
                >
                  {label}
                  <span className="text-xs">({t.shell.comingSoon})</span>
                </span>
              </li>
            ))}
          </ul>
        </nav>

        <main className="flex-1 p-6 lg:p-10">
          <h1 className="text-3xl font-bold">{t.shell.welcome(name)}</h1>
          <p className="mt-3 max-w-2xl text-lg text-slate-600 dark:text-slate-400">{t.shell.intro}</p>
        </main>
      </div>
    </div>
  );
}
