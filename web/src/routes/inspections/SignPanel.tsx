import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { errorDetails, useErrorText } from "../../api/errors";
import { keys, refreshTool } from "../../api/keys";
import { signLog, type MaintenanceLog } from "../../api/inspections";
import { Button } from "../../components/Button";
import { TextField } from "../../components/form/Field";

/**
 * Sign-off: the signer types their own password again (SPEC §8). A wrong password is said at
 * the field, plainly, and is not the "session ended" the app shows for a 401.
 */
export function SignPanel({ log, blocked }: { log: MaintenanceLog; blocked: boolean }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const [password, setPassword] = useState("");
  const sign = useMutation({
    mutationFn: (secret: string) => signLog(log.id, secret),
    onSuccess: async (signed) => {
      setPassword("");
      client.setQueryData(keys.maintenanceLog(signed.id), signed);
      if (signed.toolId) await refreshTool(client, signed.toolId);
    },
    onError: () => setPassword(""),
  });
  const wrong = errorDetails(sign.error).some((d) => d.code === "wrong_password");

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sign.isPending || blocked) return;
    if (!password) return;
    sign.mutate(password);
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-labelledby="sign-heading"
      className="mt-6 grid max-w-xl gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:p-6 dark:border-slate-800 dark:bg-slate-900"
      data-testid="sign-panel"
    >
      <h2 id="sign-heading" className="text-2xl font-bold">
        {t("inspection.sign.heading")}
      </h2>
      <p className="text-slate-700 dark:text-slate-300">{t("inspection.sign.intro")}</p>
      <TextField
        label={t("inspection.sign.password")}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={wrong ? t("errors.details.wrongPassword") : undefined}
      />
      {blocked && <p className="text-amber-800 dark:text-amber-200">{t("inspection.sign.saveFirst")}</p>}
      <Button
        type="submit"
        className="min-h-16 justify-self-start px-8 text-xl"
        disabled={sign.isPending || blocked || !password}
      >
        {sign.isPending ? t("inspection.sign.signing") : t("inspection.sign.submit")}
      </Button>
      {sign.error && !wrong && (
        <p role="alert" className="font-medium text-red-800 dark:text-red-200">
          {errorText(sign.error)}
        </p>
      )}
      {wrong && (
        <p
          role="alert"
          className="rounded-lg bg-red-50 px-4 py-3 font-bold text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {t("inspection.sign.wrong")}
        </p>
      )}
    </form>
  );
}
