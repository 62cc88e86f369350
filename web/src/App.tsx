import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { isGraphQLError } from "./api/graphql";
import { adoptAccountLanguage } from "./i18n";
import { fetchMe, hasStoredSession, logout, onSessionEnd, type Me } from "./api/session";
import { Button } from "./components/Button";
import { LoginPage, type LoginDraft } from "./components/LoginPage";
import { ForcedPasswordChange } from "./routes/account/ForcedPasswordChange";
import { AppRoutes } from "./routes/AppRoutes";

/** A note above the login form, as a message key so that it follows a language switch. */
type Notice = "sessionEnded";

type View =
  { kind: "restoring" } | { kind: "offline" } | { kind: "login"; notice: Notice | null } | { kind: "ready"; user: Me };

export function App() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [view, setView] = useState<View>(() =>
    hasStoredSession() ? { kind: "restoring" } : { kind: "login", notice: null },
  );
  // Lives here, not in the login page, so nothing the user typed is lost when the page re-mounts.
  const [draft, setDraft] = useState<LoginDraft>({ username: "", password: "" });

  const restore = useCallback(async () => {
    setView({ kind: "restoring" });
    try {
      const user = await fetchMe();
      adoptAccountLanguage(user.locale);
      setView({ kind: "ready", user });
    } catch (error) {
      if (isGraphQLError(error, "NETWORK") || isGraphQLError(error, "HTTP_ERROR")) setView({ kind: "offline" });
      else setView({ kind: "login", notice: isGraphQLError(error, "UNAUTHENTICATED") ? "sessionEnded" : null });
    }
  }, []);

  // On start only; later restores come from the retry button.
  useEffect(() => {
    if (hasStoredSession()) void restore();
  }, [restore]);

  const viewRef = useRef(view);
  useEffect(() => {
    viewRef.current = view;
  }, [view]);

  useEffect(
    () =>
      onSessionEnd(() => {
        const current = viewRef.current;
        if (current.kind === "login") return;
        // Back to the login form, with the username filled in and anything typed there kept.
        if (current.kind === "ready") setDraft((d) => ({ ...d, username: d.username || current.user.username }));
        setView({ kind: "login", notice: "sessionEnded" });
        // Nothing the next user of this tablet should see.
        queryClient.clear();
      }),
    [queryClient],
  );

  useEffect(() => {
    document.title =
      view.kind === "ready" ? `${t("appName")} — ${t("appTitle")}` : `${t("login.submit")} — ${t("appName")}`;
  }, [view.kind, t]);

  const onLoggedIn = useCallback((user: Me) => {
    setDraft((d) => ({ username: d.username, password: "" }));
    adoptAccountLanguage(user.locale);
    setView({ kind: "ready", user });
  }, []);

  const onLogout = useCallback(async () => {
    await logout();
    queryClient.clear();
    setDraft({ username: "", password: "" });
    setView({ kind: "login", notice: null });
  }, [queryClient]);

  switch (view.kind) {
    case "restoring":
      return (
        <p role="status" className="flex min-h-dvh items-center justify-center text-lg text-slate-500">
          {t("loading")}
        </p>
      );
    case "offline":
      return (
        <main className="flex min-h-dvh flex-col items-center justify-center gap-4 p-6 text-center">
          <p role="alert" className="text-lg font-medium">
            {t("restore.failed")}
          </p>
          <div className="flex flex-wrap justify-center gap-3">
            <Button onClick={() => void restore()}>{t("restore.retry")}</Button>
            <Button variant="secondary" onClick={() => setView({ kind: "login", notice: null })}>
              {t("restore.toLogin")}
            </Button>
          </div>
        </main>
      );
    case "login":
      return (
        <LoginPage
          draft={draft}
          onDraftChange={setDraft}
          notice={view.notice ? t(`login.${view.notice}`) : null}
          onLoggedIn={onLoggedIn}
        />
      );
    case "ready":
      // An admin-set password blocks everything else until it is changed (the server agrees).
      if (view.user.mustChangePassword) {
        return <ForcedPasswordChange user={view.user} onChanged={() => void restore()} onLogout={onLogout} />;
      }
      return <AppRoutes user={view.user} onLogout={onLogout} />;
  }
}
