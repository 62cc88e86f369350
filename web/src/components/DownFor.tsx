import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format";
import { useNow } from "./useNow";

/** "Down for 12 min", counting while the page is open. */
export function DownFor({ since, className = "" }: { since: string; className?: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const now = useNow(5_000);
  const minutes = Math.max(0, (now - Date.parse(since)) / 60_000);
  return (
    <span className={className} data-testid="down-for">
      {t("machine.downFor", { duration: format.duration(minutes) })}
    </span>
  );
}
