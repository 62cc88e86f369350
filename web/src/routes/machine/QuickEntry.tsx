import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../../api/errors";
import { refreshMachine } from "../../api/keys";
import { endDowntime, startDowntime, type Machine } from "../../api/plant";
import { ReasonPicker } from "./ReasonPicker";

interface Props {
  machine: Machine;
  /** The downtime whose reason is being picked, if any (set here after "running again", or from the history). */
  picking: string | null;
  onPick: (downtimeId: string | null) => void;
  /** What was last saved, shown until the next action. */
  notice: string | null;
  onNotice: (notice: string | null) => void;
}

const big =
  "flex min-h-24 w-full items-center justify-center rounded-2xl px-6 text-2xl font-bold shadow-sm focus-visible:outline-4 focus-visible:outline-offset-2 disabled:cursor-wait disabled:opacity-70";

/**
 * The operator's two buttons at the press: "Machine stopped" starts a downtime now; while it
 * lasts, "Machine running again" ends it and asks why it stopped.
 */
export function QuickEntry({ machine, picking, onPick, notice, onNotice }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const refresh = () => refreshMachine(client, machine.id);
  const start = useMutation({
    mutationFn: () => startDowntime(machine.id),
    onMutate: () => onNotice(null),
    // Also on failure: a 409 means someone else already recorded the stop; show it.
    onSettled: refresh,
  });
  const end = useMutation({
    mutationFn: (id: string) => endDowntime(id),
    onMutate: () => onNotice(null),
    onSuccess: (downtime) => onPick(downtime.id),
    onSettled: refresh,
  });
  const error = start.error ?? end.error;
  const busy = start.isPending || end.isPending;
  const ongoing = machine.currentDowntime;

  if (picking) {
    return (
      <ReasonPicker
        machineId={machine.id}
        downtimeId={picking}
        onSaved={(label) => {
          onPick(null);
          onNotice(t("quick.reasonSaved", { reason: label }));
        }}
        onCancel={() => onPick(null)}
      />
    );
  }

  return (
    <div className="space-y-3">
      {ongoing ? (
        <button
          type="button"
          className={`${big} bg-green-700 text-white hover:bg-green-800 focus-visible:outline-green-700 dark:bg-green-500 dark:text-slate-950 dark:hover:bg-green-400`}
          disabled={busy}
          onClick={() => {
            start.reset();
            end.mutate(ongoing.id);
          }}
        >
          {t("quick.running")}
        </button>
      ) : (
        machine.status !== "retired" && (
          <button
            type="button"
            className={`${big} bg-red-700 text-white hover:bg-red-800 focus-visible:outline-red-700 dark:bg-red-500 dark:text-slate-950 dark:hover:bg-red-400`}
            disabled={busy}
            onClick={() => {
              end.reset();
              start.mutate();
            }}
          >
            {t("quick.stopped")}
          </button>
        )
      )}
      {error && (
        <p
          role="alert"
          className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {errorText(error)}
        </p>
      )}
      {notice && !error && (
        <p
          role="status"
          className="rounded-lg bg-green-50 px-4 py-3 font-medium text-green-900 dark:bg-green-950 dark:text-green-200"
        >
          {notice}
        </p>
      )}
    </div>
  );
}
