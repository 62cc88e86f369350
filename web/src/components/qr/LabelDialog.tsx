import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../Button";
import { QrCode } from "./QrCode";

export interface LabelProps {
  /** The machine code or the tool's asset number, printed large. */
  code: string;
  name: string;
  /** The page inside the app, e.g. `/plant/machines/<id>`; the QR holds its absolute address. */
  path: string;
  onClose: () => void;
}

/**
 * A printable label: code, name and a QR to the page. Printing shows only the label (see
 * index.css, `.hom-label-print`), black on white whatever the theme.
 */
export default function LabelDialog({ code, name, path, onClose }: LabelProps) {
  const { t } = useTranslation();
  const url = new URL(path, window.location.origin).href;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  return (
    <div
      className="hom-label-overlay fixed inset-0 z-50 flex items-center justify-center bg-slate-950/60 p-4"
      role="dialog"
      aria-modal="true"
      aria-labelledby="label-title"
    >
      <div className="max-h-full overflow-auto rounded-2xl bg-white p-6 text-slate-900 shadow-xl dark:bg-slate-900 dark:text-slate-100">
        <h2 id="label-title" className="text-xl font-bold">
          {t("qr.labelTitle")}
        </h2>
        <div
          className="hom-label-print mt-4 flex items-center gap-4 rounded-lg border-2 border-black bg-white p-4 text-black"
          data-testid="label"
        >
          <QrCode value={url} size={160} label={t("qr.qrOf", { url })} />
          <div className="min-w-0">
            <p className="text-sm font-bold tracking-widest">HOM</p>
            <p className="text-3xl font-black break-words" data-testid="label-code">
              {code}
            </p>
            <p className="text-lg break-words">{name}</p>
            <p className="mt-2 text-xs break-all">{url}</p>
          </div>
        </div>
        <div className="mt-6 flex flex-wrap justify-end gap-3">
          <Button variant="secondary" autoFocus onClick={onClose}>
            {t("qr.close")}
          </Button>
          <Button onClick={() => window.print()}>{t("qr.print")}</Button>
        </div>
      </div>
    </div>
  );
}
