import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchUsers, type AdminUser } from "../../api/admin";
import { fetchSchedule, saveSchedule, type ReportSchedule } from "../../api/analytics";
import { useErrorText } from "../../api/errors";
import { keys } from "../../api/keys";
import { Button } from "../../components/Button";
import { FormError } from "../../components/Feedback";
import { SelectField } from "../../components/form/Field";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

/** Every active user, page after page (a plant has tens of users, not thousands; capped at 20 pages). */
async function fetchActiveUsers(): Promise<AdminUser[]> {
  const users: AdminUser[] = [];
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const next = await fetchUsers({ q: "", active: "yes" }, after);
    users.push(...next.items);
    if (!next.hasNextPage) break;
    after = next.endCursor;
  }
  return users;
}
const HOURS = Array.from({ length: 24 }, (_v, i) => i);

/**
 * The weekly PDF report by e-mail (admin, `settings:write`): on or off, weekday and hour (UTC),
 * and who receives it — active users with an e-mail address (the server refuses others).
 */
export function WeeklySchedule() {
  const { t } = useTranslation();
  const schedule = useQuery({ queryKey: keys.reportSchedule, queryFn: fetchSchedule });
  return (
    <section className="mt-10 min-w-0" aria-labelledby="schedule-heading" data-testid="weekly-schedule">
      <h2 id="schedule-heading" className="text-xl font-bold">
        {t("analytics.schedule.heading")}
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{t("analytics.schedule.hint")}</p>
      <div className="mt-3">
        <QueryState query={schedule}>{(current) => <ScheduleForm initial={current} />}</QueryState>
      </div>
    </section>
  );
}

function ScheduleForm({ initial }: { initial: ReportSchedule }) {
  const { t } = useTranslation();
  const text = useErrorText();
  const client = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const users = useQuery({
    queryKey: keys.users({ active: "yes", all: true }),
    queryFn: fetchActiveUsers,
  });
  const save = useMutation({
    mutationFn: () => saveSchedule(draft),
    onSuccess: (saved) => {
      setDraft(saved);
      client.setQueryData(keys.reportSchedule, saved);
    },
  });
  const { language } = useFormat();
  const weekday = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" });
  // 2024-01-01 was a Monday: ISO weekday n is that date + n − 1 days.
  const weekdayName = (n: number) => weekday.format(new Date(Date.UTC(2024, 0, n)));
  const toggle = (id: string) =>
    setDraft((d) => ({
      ...d,
      recipient_ids: d.recipient_ids.includes(id) ? d.recipient_ids.filter((r) => r !== id) : [...d.recipient_ids, id],
    }));

  return (
    <form
      className="grid max-w-3xl gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <label className="flex min-h-12 items-center gap-3 font-medium">
        <input
          type="checkbox"
          className="size-6"
          checked={draft.active}
          onChange={(e) => setDraft({ ...draft, active: e.target.checked })}
        />
        {t("analytics.schedule.active")}
      </label>
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label={t("analytics.schedule.weekday")}
          value={draft.weekday}
          onChange={(e) => setDraft({ ...draft, weekday: Number(e.target.value) })}
        >
          {WEEKDAYS.map((d) => (
            <option key={d} value={d}>
              {weekdayName(d)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t("analytics.schedule.hour")}
          value={draft.hour}
          onChange={(e) => setDraft({ ...draft, hour: Number(e.target.value) })}
        >
          {HOURS.map((h) => (
            <option key={h} value={h}>
              {`${String(h).padStart(2, "0")}:00 UTC`}
            </option>
          ))}
        </SelectField>
      </div>
      <fieldset>
        <legend className="mb-1.5 font-medium">{t("analytics.schedule.recipients")}</legend>
        <QueryState query={users}>
          {(all) => (
            <ul className="grid gap-1 sm:grid-cols-2">
              {all
                .filter((u) => u.email)
                .map((u) => (
                  <li key={u.id}>
                    <label className="flex min-h-12 items-center gap-3">
                      <input
                        type="checkbox"
                        className="size-6"
                        checked={draft.recipient_ids.includes(u.id)}
                        onChange={() => toggle(u.id)}
                      />
                      <span className="min-w-0 truncate">
                        {u.fullName || u.username} · {u.email}
                      </span>
                    </label>
                  </li>
                ))}
            </ul>
          )}
        </QueryState>
      </fieldset>
      <FormError message={save.isError ? text(save.error) : null} />
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? t("analytics.schedule.saving") : t("analytics.schedule.save")}
        </Button>
        {save.isSuccess && (
          <p role="status" className="font-medium text-green-800 dark:text-green-300">
            {t("analytics.schedule.saved")}
          </p>
        )}
      </div>
    </form>
  );
}
