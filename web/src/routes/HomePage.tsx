import { useTranslation } from "react-i18next";
import { useUser } from "../auth/user";
import { ButtonLink } from "../components/Page";

export function HomePage() {
  const { t } = useTranslation();
  const user = useUser();
  const name = user.fullName?.trim() || user.username;
  return (
    <>
      <h1 className="text-3xl font-bold">{t("shell.welcome", { name })}</h1>
      <p className="mt-3 max-w-2xl text-lg text-slate-600 dark:text-slate-400">{t("shell.intro")}</p>
      <div className="mt-6">
        <ButtonLink to="/plant">{t("shell.openPlant")}</ButtonLink>
      </div>
    </>
  );
}
