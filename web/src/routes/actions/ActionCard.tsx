import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useErrorText } from "../../api/errors";
import { moveAction, movesFrom, type ActionMove, type ActionSummary } from "../../api/failures";
import { keys } from "../../api/keys";
import { useAbilities, useUser } from "../../auth/user";
import { ActionStatusBadge, SeverityBadge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { TextArea } from "../../components/form/Field";
import { useFormat } from "../../i18n/format";

/** Which moves this user may make on this action (the server checks again, docs/failures-and-actions.md). */
export function useAllowedMoves(action: ActionSummary): ActionMove[] {
  const can = useAbilities();
  const me = useUser();
  const own = action.assigneeId === me.id;
  return movesFrom(action.status).filter((move) => {
    if (move === "start" || move === "complete") return can.progressAnyActions || (own && can.completeOwnActions);
    return can.verifyActions;
  });
}

/** One action with its moves; completing asks for the note the server requires. */
export function ActionCard({ action }: { action: ActionSummary }) {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useUser();
  const errorText = useErrorText();
  const client = useQueryClient();
  const moves = useAllowedMoves(action);
  const [asking, setAsking] = useState<ActionMove | null>(null);
  const [note, setNote] = useState("");
  const move = useMutation({
    mutationFn: ({ kind, text }: { kind: ActionMove; text?: string }) => moveAction(action.id, kind, text),
    onSuccess: async () => {
      setAsking(null);
      setNote("");
      await Promise.all([
        client.invalidateQueries({ queryKey: keys.actionLists }),
        action.failureReportId
          ? client.invalidateQueries({ queryKey: keys.failure(action.failureReportId) })
          : Promise.resolve(),
      ]);
    },
  });
  const target = action.tool
    ? { to: `/tools/${action.tool.id}`, label: action.tool.assetNumber }
    : action.machine
      ? { to: `/plant/machines/${action.machine.id}`, label: action.machine.code }
      : null;
  const needsNote = (m: ActionMove) => m === "complete" || m === "reopen" || m === "cancel";

  return (
    <article
      data-testid="action-card"
      data-status={action.status}
      className={`rounded-lg border bg-white p-3 dark:bg-slate-900 ${
        action.overdue ? "border-red-500 dark:border-red-400" : "border-slate-200 dark:border-slate-700"
      }`}
    >
      <div className="flex flex-wrap items-start gap-2">
        <h3 className="min-w-0 flex-1 font-semibold break-words">{action.title}</h3>
        <ActionStatusBadge status={action.status} overdue={action.overdue} />
      </div>
      <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-slate-600 dark:text-slate-400">
        <SeverityBadge severity={action.priority} />
        <span>{t(`actions.kinds.${action.kind}`, { defaultValue: action.kind })}</span>
        {action.dueDate && <span>{t("actions.due", { date: format.date(action.dueDate) })}</span>}
        <span>
          {action.assigneeId === null
            ? t("actions.unassigned")
            : action.assigneeId === me.id
              ? t("actions.assignedToMe")
              : t("actions.assignedTo", { name: action.assignee?.name ?? "?" })}
        </span>
        {target && (
          <Link
            to={target.to}
            className="inline-flex min-h-12 items-center font-medium text-blue-700 dark:text-blue-400"
          >
            {target.label}
          </Link>
        )}
        {action.failureReportId && (
          <Link
            to={`/failures/${action.failureReportId}`}
            className="inline-flex min-h-12 items-center font-medium text-blue-700 dark:text-blue-400"
          >
            {t("actions.fromFailure")}
          </Link>
        )}
        {action.maintenanceLogId && (
          <Link
            to={`/inspections/${action.maintenanceLogId}`}
            className="inline-flex min-h-12 items-center font-medium text-blue-700 dark:text-blue-400"
          >
            {t("actions.fromLog")}
          </Link>
        )}
      </p>
      {action.description && <p className="mt-1 text-sm whitespace-pre-wrap">{action.description}</p>}
      {action.completionNote && (
        <p className="mt-1 text-sm whitespace-pre-wrap">
          <span className="font-medium">{t("actions.completionNote")}: </span>
          {action.completionNote}
        </p>
      )}
      {asking ? (
        <div className="mt-2 grid gap-2">
          <TextArea
            label={asking === "complete" ? t("actions.completionNote") : t("actions.reason")}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            required={asking === "complete"}
            autoFocus
          />
          <div className="flex flex-wrap gap-2">
            <Button
              onClick={() => move.mutate({ kind: asking, text: note.trim() })}
              disabled={move.isPending || (asking === "complete" && !note.trim())}
              data-testid="confirm-move"
            >
              {t(`actions.moves.${asking}`)}
            </Button>
            <Button variant="secondary" onClick={() => setAsking(null)}>
              {t("common.cancel")}
            </Button>
          </div>
        </div>
      ) : (
        moves.length > 0 && (
          <div className="mt-2 flex flex-wrap gap-2">
            {moves.map((m) => (
              <Button
                key={m}
                variant={m === "cancel" || m === "reopen" ? "secondary" : "primary"}
                onClick={() => (needsNote(m) ? setAsking(m) : move.mutate({ kind: m }))}
                disabled={move.isPending}
                data-move={m}
              >
                {t(`actions.moves.${m}`)}
              </Button>
            ))}
          </div>
        )
      )}
      {move.isError && (
        <p role="alert" className="mt-2 font-medium text-red-700 dark:text-red-300">
          {errorText(move.error)}
        </p>
      )}
    </article>
  );
}
