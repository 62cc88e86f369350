import { QueryState } from "../../components/QueryState";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../../api/errors";
import { keys, refreshMachine } from "../../api/keys";
import { fetchReasonTree, setDowntimeReason, type DowntimeCategory, type ReasonNode } from "../../api/plant";
import { Button } from "../../components/Button";
import { useReasonName } from "../../i18n/reasons";

const CATEGORY_BORDER: Record<DowntimeCategory, string> = {
  unplanned: "border-l-red-500",
  planned: "border-l-blue-500",
  excluded: "border-l-slate-400",
};

interface Props {
  machineId: string;
  downtimeId: string;
  onSaved: (reasonLabel: string) => void;
  onCancel: () => void;
}

/**
 * Why did the machine stop? The reason tree in two taps: a group, then one of its children (a
 * group without children is a reason itself). Every target is at least 64 px tall.
 */
export function ReasonPicker({ machineId, downtimeId, onSaved, onCancel }: Props) {
  const { t } = useTranslation();
  const reasonName = useReasonName();
  const errorText = useErrorText();
  const client = useQueryClient();
  const headingId = useId();
  const panel = useRef<HTMLElement>(null);
  const [group, setGroup] = useState<ReasonNode | null>(null);
  const tree = useQuery({ queryKey: keys.reasonTree, queryFn: fetchReasonTree, staleTime: 10 * 60_000 });
  const save = useMutation({
    mutationFn: (reason: ReasonNode) => setDowntimeReason(downtimeId, reason.id),
    onSuccess: (_data, reason) =>
      onSaved(group && group.id !== reason.id ? `${reasonName(group)} › ${reasonName(reason)}` : reasonName(reason)),
    onSettled: () => refreshMachine(client, machineId),
  });

  // Opened from the history further down: bring it into view.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: "nearest" });
  }, []);

  function choose(reason: ReasonNode) {
    if (save.isPending) return;
    if (reason.children.length > 0) setGroup(reason);
    else save.mutate(reason);
  }

  const options = group ? group.children : (tree.data ?? []);

  return (
    <section
      ref={panel}
      aria-labelledby={headingId}
      className="rounded-2xl border-2 border-blue-600 bg-white p-4 dark:border-blue-400 dark:bg-slate-900"
      data-testid="reason-picker"
    >
      <h2 id={headingId} className="text-2xl font-bold">
        {group ? reasonName(group) : t("quick.pickReason")}
      </h2>
      <p className="mt-1 text-slate-600 dark:text-slate-400">{group ? t("quick.pickDetail") : t("quick.pickGroup")}</p>

      <QueryState query={tree}>
        {() => (
          <ul className="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
            {options.map((reason) => (
              <li key={reason.id}>
                <button
                  type="button"
                  onClick={() => choose(reason)}
                  disabled={save.isPending}
                  className={`flex min-h-16 w-full items-center justify-between gap-2 rounded-xl border border-l-8 border-slate-300 bg-slate-50 px-4 py-3 text-left text-lg font-semibold hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:opacity-60 dark:border-slate-600 dark:bg-slate-800 dark:hover:bg-slate-700 ${CATEGORY_BORDER[reason.category] ?? ""}`}
                >
                  <span className="min-w-0 break-words">{reasonName(reason)}</span>
                  {reason.children.length > 0 && (
                    <span aria-hidden="true" className="text-2xl text-slate-500">
                      ›
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>

      {save.isError && (
        <p
          role="alert"
          className="mt-4 rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {errorText(save.error)}
        </p>
      )}

      <div className="mt-4 flex flex-wrap gap-3">
        {group && (
          <Button variant="secondary" onClick={() => setGroup(null)} disabled={save.isPending}>
            ‹ {t("quick.back")}
          </Button>
        )}
        <Button variant="secondary" onClick={onCancel} disabled={save.isPending}>
          {t("quick.later")}
        </Button>
      </div>
    </section>
  );
}
