import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../../api/errors";
import { keys, refreshMachine, refreshTool } from "../../api/keys";
import { fetchMachineOverview } from "../../api/plant";
import { mountTool, unmountTool, type Tool } from "../../api/tools";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/form/Field";

/** Put the mould into a press, or take it out (and say where it went). */
export function MountPanel({ tool }: { tool: Tool }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const client = useQueryClient();
  const headingId = useId();
  const [machineId, setMachineId] = useState("");
  const [location, setLocation] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const machines = useQuery({
    queryKey: keys.machineOverview,
    queryFn: fetchMachineOverview,
    enabled: !tool.machine,
  });
  const refresh = (machine: string | null) =>
    Promise.all([refreshTool(client, tool.id), machine ? refreshMachine(client, machine) : null]);
  const mount = useMutation({
    mutationFn: (machine: string) => mountTool(tool.id, machine),
    onMutate: () => setNotice(null),
    onSuccess: () => {
      setMachineId("");
      setNotice(t("tools.mount.mounted"));
    },
    onSettled: (_d, _e, machine) => refresh(machine),
  });
  const unmount = useMutation({
    mutationFn: () => unmountTool(tool.id, location.trim() || null),
    onMutate: () => setNotice(null),
    onSuccess: () => {
      setLocation("");
      setNotice(t("tools.mount.unmounted"));
    },
    onSettled: () => refresh(tool.machine?.id ?? null),
  });
  const error = mount.error ?? unmount.error;

  function submitMount(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!machineId || mount.isPending) return;
    unmount.reset();
    mount.mutate(machineId);
  }

  function submitUnmount(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (unmount.isPending) return;
    mount.reset();
    unmount.mutate();
  }

  const free = (machines.data?.items ?? []).filter((m) => m.status !== "retired");

  return (
    <div aria-labelledby={headingId} role="group" data-testid="mount-panel">
      <h2 id={headingId} className="mb-2 text-lg font-bold">
        {t("tools.mount.heading")}
      </h2>
      {tool.machine ? (
        <form onSubmit={submitUnmount} noValidate className="grid gap-3">
          <p>{t("tools.mount.inPress", { machine: `${tool.machine.code} — ${tool.machine.name}` })}</p>
          <TextField
            label={t("tools.mount.location")}
            hint={t("tools.mount.locationHint")}
            value={location}
            onChange={(e) => setLocation(e.target.value)}
          />
          <Button type="submit" variant="secondary" disabled={unmount.isPending} className="justify-self-start">
            {unmount.isPending ? t("forms.creating") : t("tools.mount.unmount")}
          </Button>
        </form>
      ) : (
        <form onSubmit={submitMount} noValidate className="grid gap-3">
          <SelectField
            label={t("tools.mount.machine")}
            value={machineId}
            onChange={(e) => setMachineId(e.target.value)}
            disabled={machines.isPending}
          >
            <option value="">{machines.isPending ? t("loading") : t("tools.mount.pick")}</option>
            {free.map((m) => (
              <option key={m.id} value={m.id}>
                {m.code} — {m.name}
              </option>
            ))}
          </SelectField>
          <Button type="submit" disabled={!machineId || mount.isPending} className="justify-self-start">
            {mount.isPending ? t("forms.creating") : t("tools.mount.mount")}
          </Button>
        </form>
      )}
      {(error || machines.error) && (
        <p role="alert" className="mt-2 font-medium text-red-800 dark:text-red-200">
          {errorText(error ?? machines.error)}
        </p>
      )}
      {notice && !error && (
        <p role="status" className="mt-2 font-medium text-green-800 dark:text-green-300">
          {notice}
        </p>
      )}
    </div>
  );
}
