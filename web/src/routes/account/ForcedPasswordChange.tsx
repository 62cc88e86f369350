import { useTranslation } from "react-i18next";
import type { Me } from "../../api/session";
import { Button } from "../../components/Button";
import { LanguageSwitch } from "../../components/LanguageSwitch";
import { ThemeSwitch } from "../../components/ThemeSwitch";
import { ChangePasswordForm } from "./ChangePasswordForm";

/**
 * Shown instead of the whole app while an admin-set password is in use: the server refuses
 * everything else (403 PASSWORD_CHANGE_REQUIRED) until it is changed, so nothing else is offered.
 */
export function ForcedPasswordChange({
  user,
  onChanged,
  onLogout,
}: {
  user: Me;
  onChanged: () => void;
  onLogout: () => Promise<void>;
}) {
  const { t } = useTranslation();
  return (
    <main className="mx-auto flex min-h-dvh max-w-xl flex-col justify-center gap-6 p-6" data-testid="forced-password">
      <div className="flex flex-wrap items-center justify-end gap-2">
        <LanguageSwitch />
        <ThemeSwitch />
        <Button variant="secondary" onClick={() => void onLogout()}>
          {t("shell.logout")}
        </Button>
      </div>
      <h1 className="text-3xl font-bold">{t("account.forcedHeading")}</h1>
      <p className="text-lg">{t("account.forcedText", { username: user.username })}</p>
      <ChangePasswordForm onChanged={onChanged} />
    </main>
  );
}
