import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fetchBackups, startBackup, type BackupRun } from "../../api/admin";
import { useErrorText } from "../../api/errors";
import { keys } from "../../api/keys";
import { useAbilities } from "../../auth/user";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { PagedQueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { Refused } from "./AdminRoutes";

const STATUS_TONE = { ok: "green", failed: "red", running: "blue" } as const;

/** 1536 → "1.5 MB": archives are megabytes to gigabytes. */
function megabytes(bytes: number, number: (v: number, digits?: number) => string): string {
  return `${number(bytes / 1_048_576, 1)} MB`;
}

/** Backup history (admin): each run, scheduled or by hand, with its archive and outcome. */
export function BackupsAdmin() {
  const { t } = useTranslation();
  const can = useAbilities();
  const errorText = useErrorText();
  const client = useQueryClient();
  const query = useInfiniteQuery({
    queryKey: keys.backups,
    queryFn: ({ pageParam }) => fetchBackups(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    enabled: can.writeBackups,
    // A running backup finishes on its own: look again while one is under way.
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.items.some((b) => b.status === "running")) ? 5_000 : false,
  });
  const run = useMutation({
    mutationFn: startBackup,
    onSettled: () => client.invalidateQueries({ queryKey: keys.backups }),
  });
  if (!can.writeBackups) return <Refused />;
  return (
    <>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-2xl text-slate-700 dark:text-slate-300">{t("backups.intro")}</p>
        <Button onClick={() => run.mutate()} disabled={run.isPending}>
          {run.isPending ? t("backups.running") : t("backups.run")}
        </Button>
      </div>
      {run.isError && (
        <p role="alert" className="mt-2 font-medium text-red-700 dark:text-red-300">
          {errorText(run.error)}
        </p>
      )}
      <div className="mt-4">
        <PagedQueryState query={query} empty={<p>{t("backups.none")}</p>}>
          {(items) => (
            <ul className="grid gap-2">
              {items.map((b) => (
                <BackupRow key={b.id} backup={b} />
              ))}
            </ul>
          )}
        </PagedQueryState>
      </div>
    </>
  );
}

function BackupRow({ backup }: { backup: BackupRun }) {
  const { t } = useTranslation();
  const format = useFormat();
  const tone = STATUS_TONE[backup.status as keyof typeof STATUS_TONE] ?? "slate";
  return (
    <li data-testid="backup-row" className="rounded-lg border border-slate-200 px-4 py-2 dark:border-slate-700">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">{format.dateTime(backup.startedAt)}</span>
        <span className="text-sm text-slate-600 dark:text-slate-400">
          {t(`backups.trigger.${backup.trigger as "api"}`, { defaultValue: backup.trigger })}
        </span>
        {backup.encrypted != null && (
          <Badge tone={backup.encrypted ? "green" : "amber"}>
            {backup.encrypted ? t("backups.encrypted") : t("backups.notEncrypted")}
          </Badge>
        )}
        <span className="ml-auto">
          <Badge tone={tone}>
            {t(`backups.status.${backup.status as "running"}`, { defaultValue: backup.status })}
          </Badge>
        </span>
      </div>
      <p className="mt-1 text-sm break-all text-slate-600 dark:text-slate-400">
        {[
          backup.file,
          backup.sizeBytes != null ? megabytes(backup.sizeBytes, format.number) : null,
          backup.finishedAt ? t("backups.finished", { time: format.dateTime(backup.finishedAt) }) : null,
        ]
          .filter(Boolean)
          .join(" · ")}
      </p>
      {backup.error && (
        <p className="mt-1 text-sm font-medium text-red-700 dark:text-red-300" data-testid="backup-error">
          {backup.error}
        </p>
      )}
    </li>
  );
}
