import { useTranslation } from "react-i18next";

/** A page or section the role may not use: said in words, nothing else loads. */
export function Refused() {
  const { t } = useTranslation();
  return (
    <p role="alert" className="text-lg" data-testid="admin-refused">
      {t("errors.forbidden")}
    </p>
  );
}
