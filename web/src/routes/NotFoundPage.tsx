import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <h1 className="text-3xl font-bold">{t("notFound.heading")}</h1>
      <p className="mt-3 text-lg text-slate-600 dark:text-slate-400">{t("notFound.text")}</p>
      <Link
        to="/"
        className="mt-6 inline-flex min-h-12 items-center rounded-lg px-1 font-semibold text-blue-700 underline dark:text-blue-400"
      >
        {t("notFound.home")}
      </Link>
    </>
  );
}
