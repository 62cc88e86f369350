import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { changePassword } from "../../api/account";
import { isGraphQLError } from "../../api/graphql";
import { Button } from "../../components/Button";
import { TextField } from "../../components/form/Field";
import { formErrors } from "../../components/form/errors";
import { FormError } from "../../components/Feedback";

/**
 * Current password, new password twice. The server's rules (length, not common, not the
 * username) come back as field errors; a wrong current password is FORBIDDEN.
 */
export function ChangePasswordForm({ onChanged }: { onChanged: () => void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const { fields, general } = formErrors(t, error, ["newPassword", "currentPassword"]);
  const wrongCurrent = isGraphQLError(error, "FORBIDDEN") ? t("account.wrongCurrent") : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMismatch(false);
    setDone(false);
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await changePassword(current, next);
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="grid max-w-md gap-4" noValidate>
      <TextField
        label={t("account.currentPassword")}
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={wrongCurrent ?? fields.currentPassword}
      />
      <TextField
        label={t("account.newPassword")}
        type="password"
        autoComplete="new-password"
        required
        hint={t("account.passwordRule")}
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={fields.newPassword}
      />
      <TextField
        label={t("account.repeatPassword")}
        type="password"
        autoComplete="new-password"
        required
        value={repeat}
        onChange={(e) => setRepeat(e.target.value)}
        error={mismatch ? t("account.mismatch") : undefined}
      />
      <FormError message={wrongCurrent ? undefined : general} />
      {done && (
        <p role="status" className="font-medium text-green-800 dark:text-green-300" data-testid="password-changed">
          {t("account.changed")}
        </p>
      )}
      <div>
        <Button type="submit" disabled={busy || !current || !next || !repeat}>
          {busy ? t("common.saving") : t("account.change")}
        </Button>
      </div>
    </form>
  );
}
