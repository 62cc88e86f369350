import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { keys } from "../../api/keys";
import { fetchTool, type Tool } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { ToolStatusBadge } from "../../components/Badge";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { LabelButton } from "../../components/qr/LabelButton";
import { Breadcrumbs, ButtonLink } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { StartInspection } from "../inspections/StartInspection";
import { LifeBar } from "./LifeBar";
import { MountPanel } from "./MountPanel";
import { ShotEntry } from "./ShotEntry";
import { StatusPanel } from "./StatusPanel";
import { ToolHistory } from "./ToolHistory";
import { ToolPlans } from "./ToolPlans";

/** One mould: where it is, how far through its life, its plans, what was done to it. */
export function ToolPage() {
  const { toolId = "" } = useParams();
  return <ToolView key={toolId} toolId={toolId} />;
}

const panel = "rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

function ToolView({ toolId }: { toolId: string }) {
  const { t } = useTranslation();
  const can = useAbilities();
  const query = useQuery({
    queryKey: keys.tool(toolId),
    queryFn: () => fetchTool(toolId),
    // A press feed may add shots meanwhile.
    refetchInterval: 30_000,
  });

  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  const tool = query.data;
  const retired = tool.status === "retired";

  return (
    <>
      <Breadcrumbs items={[{ label: t("tools.heading"), to: "/tools" }, { label: tool.assetNumber }]} />
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 text-3xl font-bold break-words">
          {tool.assetNumber} — {tool.name}
        </h1>
        <ToolStatusBadge status={tool.status} large testId="tool-status" />
        <div className="ml-auto flex flex-wrap gap-2">
          {can.reportFailures && !retired && (
            <ButtonLink to={`/failures/new?tool=${tool.id}`} variant="secondary">
              {t("failures.report")}
            </ButtonLink>
          )}
          <LabelButton code={tool.assetNumber} name={tool.name} path={`/tools/${tool.id}`} />
        </div>
      </div>

      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <section className={panel} aria-labelledby="tool-where">
          <h2 id="tool-where" className="sr-only">
            {t("tools.details")}
          </h2>
          <ToolFacts tool={tool} />
        </section>
        <section className={panel} aria-labelledby="tool-life">
          <h2 id="tool-life" className="mb-2 text-lg font-bold">
            {t("tools.lifeHeading")}
          </h2>
          <LifeBar lifetime={tool.lifetimeShots} rated={tool.ratedLifeShots} />
        </section>
      </div>

      {!retired && (can.recordShots || can.mountTools || can.writeTools || can.writeMaintenance) && (
        <div className="mt-4 grid gap-4 lg:grid-cols-2" data-testid="tool-actions">
          {can.recordShots && (
            <section className={panel}>
              <ShotEntry toolId={tool.id} />
            </section>
          )}
          {can.mountTools && (
            <section className={panel}>
              <MountPanel tool={tool} />
            </section>
          )}
          {can.writeTools && (
            <section className={panel}>
              <StatusPanel tool={tool} />
            </section>
          )}
          {can.writeMaintenance && (
            <section className={panel}>
              <StartInspection owner={{ toolId: tool.id }} />
            </section>
          )}
        </div>
      )}

      <ToolPlans tool={tool} />
      <ToolHistory toolId={tool.id} />
      <Mounts tool={tool} />
    </>
  );
}

function ToolFacts({ tool }: { tool: Tool }) {
  const { t } = useTranslation();
  const format = useFormat();
  const rows: [string, ReactNode, string?][] = [
    [
      t("tools.mountedOn"),
      tool.machine ? (
        <Link
          to={`/plant/machines/${tool.machine.id}`}
          className="inline-flex min-h-12 items-center font-semibold text-blue-700 underline-offset-2 hover:underline dark:text-blue-400"
        >
          {tool.machine.code} — {tool.machine.name}
        </Link>
      ) : (
        t("tools.notMounted")
      ),
      "tool-machine",
    ],
    [t("tools.fields.location"), tool.location ?? t("tools.noLocation"), "tool-location"],
    [
      t("tools.fields.cavities"),
      t("tools.cavities", {
        active: format.number(tool.activeCavities ?? tool.cavityCount),
        total: format.number(tool.cavityCount),
      }),
    ],
  ];
  if (tool.partNumber) rows.push([t("tools.fields.partNumber"), tool.partNumber]);
  if (tool.manufacturer) rows.push([t("tools.fields.manufacturer"), tool.manufacturer]);
  if (tool.description) rows.push([t("tools.fields.description"), tool.description]);
  return (
    <dl className="grid gap-x-6 gap-y-2 sm:grid-cols-[max-content_1fr]">
      {rows.map(([label, value, testId]) => (
        <div key={label} className="contents">
          <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
          <dd className="break-words whitespace-pre-line" data-testid={testId}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Mounts({ tool }: { tool: Tool }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (tool.mounts.length === 0) return null;
  return (
    <section className="mt-8" aria-labelledby="tool-mounts">
      <h2 id="tool-mounts" className="text-xl font-bold">
        {t("tools.mounts.heading")}
      </h2>
      <ul className="mt-3 grid gap-2" data-testid="mount-history">
        {tool.mounts.map((mount) => (
          <li key={mount.id} className={`${panel} flex flex-wrap gap-x-4`}>
            <span className="font-semibold">{mount.machine?.code ?? "—"}</span>
            <span>
              {format.dateTime(mount.mountedAt)} –{" "}
              {mount.unmountedAt ? format.dateTime(mount.unmountedAt) : t("tools.mounts.now")}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
