import { useId, useState, type FormEvent } from "react";
import { isGraphQLError } from "../api/graphql";
import { fetchMe, login, type Me } from "../api/session";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { Button } from "./Button";
import { LanguageSwitch } from "./LanguageSwitch";
import { ThemeSwitch } from "./ThemeSwitch";

/** What the user typed; kept by the App so that it survives the page being shown again. */
export interface LoginDraft {
  username: string;
  password: string;
}

interface Props {
  draft: LoginDraft;
  onDraftChange: (draft: LoginDraft) => void;
  /** A note shown above the form, e.g. that the session has ended. */
  notice?: string | null;
  onLoggedIn: (me: Me) => void;
}

function loginErrorMessage(t: TFunction, error: unknown): string {
  if (isGraphQLError(error, "UNAUTHENTICATED")) return t("login.invalid");
  if (isGraphQLError(error, "RATE_LIMITED")) return t("login.locked");
  if (isGraphQLError(error, "BAD_USER_INPUT")) return error.message;
  if (isGraphQLError(error, "NETWORK")) return t("login.network");
  return t("login.failed");
}

const inputClass =
  "block min-h-12 w-full rounded-lg border border-slate-300 bg-white px-4 text-lg text-slate-900 placeholder-slate-400 focus:border-blue-600 focus:outline-2 focus:outline-blue-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";

export function LoginPage({ draft, onDraftChange, notice, onLoggedIn }: Props) {
  const { t } = useTranslation();
  // What went wrong, not its text: the message follows a language switch.
  const [failure, setFailure] = useState<{ required: true } | { error: unknown } | null>(null);
  const error =
    failure === null ? null : "required" in failure ? t("login.required") : loginErrorMessage(t, failure.error);
  const [busy, setBusy] = useState(false);
  const ids = { username: useId(), password: useId(), error: useId() };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const username = draft.username.trim();
    if (!username || !draft.password) {
      setFailure({ required: true });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await login(username, draft.password);
      const me = await fetchMe();
      onLoggedIn(me);
    } catch (err) {
      setFailure({ error: err });
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-dvh flex-col">
      <div className="flex flex-wrap justify-end gap-2 p-4">
        <LanguageSwitch />
        <ThemeSwitch />
      </div>
      <main className="flex flex-1 items-start justify-center px-4 pt-4 pb-16 sm:items-center sm:pt-0">
        <div className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900">
          <p className="text-3xl font-black tracking-tight text-blue-700 dark:text-blue-400">{t("appName")}</p>
          <p className="text-sm text-slate-500 dark:text-slate-400">{t("appTitle")}</p>
          <h1 className="mt-6 text-2xl font-bold">{t("login.heading")}</h1>
          <p className="mt-1 text-slate-600 dark:text-slate-400">{t("login.intro")}</p>

          {notice && !error && (
            <p
              role="status"
              className="mt-4 rounded-lg bg-amber-50 px-4 py-3 text-amber-900 dark:bg-amber-950 dark:text-amber-200"
            >
              {notice}
            </p>
          )}

          <form
            className="mt-6 space-y-5"
            onSubmit={(event) => void submit(event)}
            noValidate
            aria-describedby={error ? ids.error : undefined}
          >
            <div>
              <label htmlFor={ids.username} className="mb-1.5 block font-medium">
                {t("login.username")}
              </label>
              <input
                id={ids.username}
                name="username"
                type="text"
                autoComplete="username"
                autoCapitalize="none"
                autoCorrect="off"
                spellCheck={false}
                autoFocus={!draft.username}
                required
                value={draft.username}
                onChange={(e) => onDraftChange({ ...draft, username: e.target.value })}
                aria-invalid={error ? true : undefined}
                className={inputClass}
              />
            </div>
            <div>
              <label htmlFor={ids.password} className="mb-1.5 block font-medium">
                {t("login.password")}
              </label>
              <input
                id={ids.password}
                name="password"
                type="password"
                autoComplete="current-password"
                autoFocus={!!draft.username}
                required
                value={draft.password}
                onChange={(e) => onDraftChange({ ...draft, password: e.target.value })}
                aria-invalid={error ? true : undefined}
                className={inputClass}
              />
            </div>

            {error && (
              <p
                id={ids.error}
                role="alert"
                className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
              >
                {error}
              </p>
            )}

            <Button type="submit" disabled={busy} className="w-full text-lg">
              {busy ? t("login.submitting") : t("login.submit")}
            </Button>
          </form>
        </div>
      </main>
    </div>
  );
}
