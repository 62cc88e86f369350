import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../../api/errors";
import { refreshMachine } from "../../api/keys";
import { closeRepair, type Repair } from "../../api/plant";
import { Button } from "../../components/Button";

/** Edit and close, under a repair in the history. */
export function RepairActions({ repair, onEdit }: { repair: Repair; onEdit: (repair: Repair) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const close = useMutation({
    mutationFn: () => closeRepair(repair.id),
    onSettled: () => refreshMachine(client, repair.machineId),
  });
  return (
    <div className="mt-3">
      <div className="flex flex-wrap gap-3">
        <Button variant="secondary" onClick={() => onEdit(repair)}>
          {t("repair.edit")}
        </Button>
        {repair.status !== "closed" && (
          <Button onClick={() => close.mutate()} disabled={close.isPending}>
            {close.isPending ? t("repair.closing") : t("repair.close")}
          </Button>
        )}
      </div>
      {close.isError && (
        <p
          role="alert"
          className="mt-3 rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {errorText(close.error)}
        </p>
      )}
    </div>
  );
}
