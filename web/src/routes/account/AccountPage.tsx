import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fetchSessions, revokeOtherSessions, revokeSession, type Session } from "../../api/account";
import { keys } from "../../api/keys";
import { useUser } from "../../auth/user";
import { Button } from "../../components/Button";
import { ErrorNotice } from "../../components/Feedback";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";
import { ChangePasswordForm } from "./ChangePasswordForm";

const panel = "min-w-0 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/** Every user's own page: change the password, see where one is logged in, end those sessions. */
export function AccountPage() {
  const { t } = useTranslation();
  const user = useUser();
  const client = useQueryClient();
  return (
    <>
      <h1 className="text-3xl font-bold">{t("account.heading")}</h1>
      <div className="mt-6 grid gap-6 xl:grid-cols-2">
        <section className={panel} aria-labelledby="account-password">
          <h2 id="account-password" className="mb-4 text-xl font-bold">
            {t("account.passwordHeading")}
          </h2>
          <ChangePasswordForm onChanged={() => void client.invalidateQueries({ queryKey: keys.sessions(user.id) })} />
        </section>
        <Sessions userId={user.id} />
      </div>
    </>
  );
}

function Sessions({ userId }: { userId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({ queryKey: keys.sessions(userId), queryFn: () => fetchSessions(userId) });
  const refresh = () => client.invalidateQueries({ queryKey: keys.sessions(userId) });
  const revokeOne = useMutation({ mutationFn: (id: string) => revokeSession(userId, id), onSuccess: refresh });
  const revokeOthers = useMutation({ mutationFn: () => revokeOtherSessions(userId), onSuccess: refresh });
  return (
    <section className={panel} aria-labelledby="account-sessions">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id="account-sessions" className="text-xl font-bold">
          {t("account.sessionsHeading")}
        </h2>
        <Button variant="secondary" onClick={() => revokeOthers.mutate()} disabled={revokeOthers.isPending}>
          {t("account.revokeOthers")}
        </Button>
      </div>
      {(revokeOne.error ?? revokeOthers.error) && <ErrorNotice error={revokeOne.error ?? revokeOthers.error} />}
      <QueryState query={query} isEmpty={(s) => s.length === 0} empty={<p>{t("account.noSessions")}</p>}>
        {(sessions) => (
          <ul className="grid gap-2">
            {sessions.map((s) => (
              <SessionRow
                key={s.id}
                session={s}
                onRevoke={() => revokeOne.mutate(s.id)}
                busy={revokeOne.isPending && revokeOne.variables === s.id}
              />
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function SessionRow({ session, onRevoke, busy }: { session: Session; onRevoke: () => void; busy: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <li
      data-testid="session"
      className="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 px-4 py-2 dark:border-slate-700"
    >
      <div className="min-w-0 flex-1">
        <p className="font-semibold break-all">{session.userAgent ?? t("account.unknownDevice")}</p>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {[
            session.ip,
            t("account.since", { time: format.dateTime(session.createdAt) }),
            session.lastUsedAt ? t("account.lastUsed", { time: format.dateTime(session.lastUsedAt) }) : null,
          ]
            .filter(Boolean)
            .join(" · ")}
        </p>
      </div>
      {session.current ? (
        <span className="rounded bg-green-100 px-2 py-1 text-sm font-semibold text-green-900 dark:bg-green-950 dark:text-green-200">
          {t("account.thisDevice")}
        </span>
      ) : (
        <Button variant="secondary" onClick={onRevoke} disabled={busy}>
          {t("account.revoke")}
        </Button>
      )}
    </li>
  );
}
