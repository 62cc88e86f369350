import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../Button";
import type { LabelProps } from "./LabelDialog";

// The QR encoder loads with the first label opened, not with the page.
const LabelDialog = lazy(() => import("./LabelDialog"));

/** "Label": shows the printable label of a machine or a tool. */
export function LabelButton(props: Omit<LabelProps, "onClose">) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        {t("qr.label")}
      </Button>
      {open && (
        <Suspense fallback={null}>
          <LabelDialog {...props} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
