import { lazy } from "react";
import { useTranslation } from "react-i18next";
import { useAbilities, useUser } from "../auth/user";
import { ButtonLink } from "../components/Page";

const DashboardPage = lazy(() => import("./dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })));

/**
 * The start page. Office roles (those who edit the plant or read users: engineers, managers,
 * admins) start on the dashboard; people at the presses get a welcome with the plant one tap away.
 */
export function HomePage() {
  const { t } = useTranslation();
  const user = useUser();
  const can = useAbilities();
  if (can.writePlant || can.readUsers) return <DashboardPage />;
  const name = user.fullName?.trim() || user.username;
  return (
    <>
      <h1 className="text-3xl font-bold">{t("shell.welcome", { name })}</h1>
      <p className="mt-3 max-w-2xl text-lg text-slate-600 dark:text-slate-400">{t("shell.intro")}</p>
      <div className="mt-6 flex flex-wrap gap-3">
        <ButtonLink to="/plant">{t("shell.openPlant")}</ButtonLink>
        <ButtonLink to="/dashboard" variant="secondary">
          {t("dashboard.heading")}
        </ButtonLink>
      </div>
    </>
  );
}
