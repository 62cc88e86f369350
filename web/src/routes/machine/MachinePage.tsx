import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { keys } from "../../api/keys";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { fetchMachine, type Downtime, type Machine, type Repair } from "../../api/plant";
import { useAbilities } from "../../auth/user";
import { MachineStatusBadge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { DownFor } from "../../components/DownFor";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { LabelButton } from "../../components/qr/LabelButton";
import { KpiPanel } from "../../components/KpiPanel";
import { Breadcrumbs, ButtonLink } from "../../components/Page";
import { StartInspection } from "../inspections/StartInspection";
import { useFormat } from "../../i18n/format";
import { History } from "./History";
import { QuickEntry } from "./QuickEntry";
import { RepairActions } from "./RepairActions";
import { RepairForm } from "./RepairForm";

/** One machine: status, the stop in progress, its figures and its history. */
export function MachinePage() {
  const { machineId = "" } = useParams();
  // A fresh view per machine: nothing picked or noted for one machine carries over to the next.
  return <MachineView key={machineId} machineId={machineId} />;
}

function MachineView({ machineId }: { machineId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const can = useAbilities();
  const [picking, setPicking] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The repair form: closed (null), a new repair ({ repair: null }) or one being edited. */
  const [editor, setEditor] = useState<{ repair: Repair | null } | null>(null);
  const [repairNotice, setRepairNotice] = useState<string | null>(null);
  const query = useQuery({
    queryKey: keys.machine(machineId),
    queryFn: () => fetchMachine(machineId),
    // Someone else (or a PLC) may start or end a stop meanwhile.
    refetchInterval: 30_000,
  });

  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  const machine = query.data;
  const ongoing = machine.currentDowntime;

  return (
    <>
      <Breadcrumbs
        items={[
          { label: t("plant.heading"), to: "/plant" },
          ...(machine.line ? [{ label: machine.line.code, to: `/plant/lines/${machine.lineId}` }] : []),
          { label: machine.code },
        ]}
      />
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 text-3xl font-bold break-words">
          {machine.code} — {machine.name}
        </h1>
        <MachineStatusBadge status={machine.status} large testId="machine-status" />
        <div className="ml-auto flex flex-wrap gap-2">
          {can.reportFailures && machine.status !== "retired" && (
            <ButtonLink to={`/failures/new?machine=${machine.id}`} variant="secondary">
              {t("failures.report")}
            </ButtonLink>
          )}
          <LabelButton code={machine.code} name={machine.name} path={`/plant/machines/${machine.id}`} />
        </div>
      </div>
      {ongoing && (
        <p className="mt-2 text-lg text-red-800 dark:text-red-200" data-testid="current-downtime">
          {t("machine.downSince", { time: format.dateTime(ongoing.startDatetime) })} ·{" "}
          <DownFor since={ongoing.startDatetime} className="font-semibold" />
        </p>
      )}

      {can.operateDowntimes && (
        <div className="mt-6">
          <QuickEntry machine={machine} picking={picking} onPick={setPicking} notice={notice} onNotice={setNotice} />
        </div>
      )}

      {can.writeRepairs && (
        <section className="mt-6" aria-label={t("repair.section")}>
          {editor ? (
            <RepairForm
              key={editor.repair?.id ?? "new"}
              machineId={machineId}
              repair={editor.repair}
              onDone={() => {
                setEditor(null);
                setRepairNotice(t("repair.saved"));
              }}
              onCancel={() => setEditor(null)}
            />
          ) : (
            <div className="flex flex-wrap items-center gap-3">
              <Button
                variant="secondary"
                onClick={() => {
                  setRepairNotice(null);
                  setEditor({ repair: null });
                }}
              >
                {t("repair.record")}
              </Button>
              {repairNotice && (
                <p role="status" className="font-medium text-green-800 dark:text-green-300">
                  {repairNotice}
                </p>
              )}
            </div>
          )}
        </section>
      )}

      {can.writeMaintenance && machine.status !== "retired" && (
        <section className="mt-6 max-w-xl rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <StartInspection owner={{ machineId }} />
        </section>
      )}

      <KpiPanel scope={{ machineId }} />
      <History
        machineId={machineId}
        repairActions={
          can.writeRepairs
            ? (repair: Repair) =>
                editor?.repair?.id !== repair.id && (
                  <RepairActions
                    repair={repair}
                    onEdit={(r) => {
                      setRepairNotice(null);
                      setEditor({ repair: r });
                    }}
                  />
                )
            : undefined
        }
        downtimeActions={
          can.operateDowntimes
            ? (downtime: Downtime) =>
                !downtime.reason &&
                picking !== downtime.id && (
                  <div className="mt-3">
                    <Button variant="secondary" onClick={() => setPicking(downtime.id)}>
                      {t("quick.pickReasonFor")}
                    </Button>
                  </div>
                )
            : undefined
        }
      />
      <MachineDetails machine={machine} />
    </>
  );
}

function MachineDetails({ machine }: { machine: Machine }) {
  const { t } = useTranslation();
  const rows = (
    [
      ["assetNumber", machine.assetNumber],
      ["type", machine.type],
      ["manufacturer", machine.manufacturer],
      ["model", machine.model],
      ["serialNumber", machine.serialNumber],
      ["notes", machine.notes],
    ] as const
  ).filter(([, value]) => value);
  if (rows.length === 0) return null;
  return (
    <section className="mt-8" aria-labelledby="machine-details">
      <h2 id="machine-details" className="text-xl font-bold">
        {t("machine.details")}
      </h2>
      <dl className="mt-3 grid gap-x-6 gap-y-2 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-[max-content_1fr] dark:border-slate-800 dark:bg-slate-900">
        {rows.map(([key, value]) => (
          <div key={key} className="contents">
            <dt className="text-slate-600 dark:text-slate-400">{t(`machine.fields.${key}`)}</dt>
            <dd className="break-words whitespace-pre-line">{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
