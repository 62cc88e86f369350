import { QueryState } from "../../components/QueryState";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import {
  deleteOpcuaSource,
  fetchEvents,
  fetchOpcuaSources,
  saveOpcuaSource,
  type EventStatus,
  type OpcuaKind,
  type OpcuaSource,
  type SourceInput,
} from "../../api/admin";
import { useErrorText } from "../../api/errors";
import { keys } from "../../api/keys";
import { fetchMachineOverview } from "../../api/plant";
import { fetchTools, NO_FILTER } from "../../api/tools";
import { useAbilities } from "../../auth/user";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { formErrors } from "../../components/form/errors";
import { SelectField, TextField } from "../../components/form/Field";
import { LoadMore } from "../../components/Page";
import { useFormat } from "../../i18n/format";
import { Refused } from "./AdminRoutes";

const KINDS: OpcuaKind[] = ["machine_cycle_counter", "mould_lifetime_counter"];
const SOURCE_FIELDS = ["kind", "endpointUrl", "nodeId", "machineId", "toolId", "active"] as const;
const EVENT_STATUSES: EventStatus[] = ["stored", "duplicate", "ignored", "rejected"];
/** The server's connection states (the OPC UA client in this HOM process). */
const STATE_TONE: Record<string, "green" | "amber" | "red" | "slate"> = {
  connected: "green",
  connecting: "amber",
  reconnecting: "amber",
  error: "red",
  inactive: "slate",
  disabled: "slate",
};

/** OPC UA counter sources (add, change, remove, how each is connected now) and the inbound events log. */
export function IntegrationsAdmin() {
  const can = useAbilities();
  if (!can.writeSettings) return <Refused />;
  return (
    <div className="grid gap-10">
      <Sources />
      <Events />
    </div>
  );
}

function Sources() {
  const { t } = useTranslation();
  const format = useFormat();
  // The connection state changes on its own: asked again every 10 s while the page is open.
  const query = useQuery({ queryKey: keys.opcuaSources, queryFn: fetchOpcuaSources, refetchInterval: 10_000 });
  const [editing, setEditing] = useState<OpcuaSource | "new" | null>(null);

  return (
    <section aria-labelledby="sources-heading">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="sources-heading" className="mr-auto text-2xl font-bold">
          {t("admin.integrations.sources")}
        </h2>
        {editing === null && <Button onClick={() => setEditing("new")}>{t("admin.integrations.addSource")}</Button>}
      </div>
      <p className="mt-1 text-slate-600 dark:text-slate-400">{t("admin.integrations.sourcesIntro")}</p>
      {editing !== null && (
        <SourceForm
          key={editing === "new" ? "new" : editing.id}
          source={editing === "new" ? null : editing}
          onDone={() => setEditing(null)}
        />
      )}
      <QueryState
        query={query}
        isEmpty={(data) => data.length === 0}
        empty={<p className="mt-4 text-lg">{t("admin.integrations.noSources")}</p>}
      >
        {(data) => (
          <ul className="mt-4 grid gap-3" data-testid="source-list">
            {data.map((source) => {
              const state = source.connection?.state ?? "inactive";
              return (
                <li
                  key={source.id}
                  className={`rounded-xl border border-slate-200 p-4 dark:border-slate-700 ${source.active ? "" : "opacity-70"}`}
                  data-testid="source"
                >
                  <div className="flex flex-wrap items-center gap-3">
                    <div className="min-w-0 flex-1">
                      <p className="font-semibold">
                        {t(`admin.integrations.kinds.${source.kind}`)} ·{" "}
                        {source.machine
                          ? `${source.machine.code} — ${source.machine.name}`
                          : source.tool
                            ? `${source.tool.assetNumber} — ${source.tool.name}`
                            : ""}
                      </p>
                      <p className="font-mono text-sm break-all text-slate-600 dark:text-slate-400">
                        {source.endpointUrl} · {source.nodeId}
                      </p>
                    </div>
                    <Badge tone={STATE_TONE[state] ?? "slate"} testId="source-state">
                      {t(`admin.integrations.states.${state}`, { defaultValue: state })}
                    </Badge>
                    <Button variant="secondary" onClick={() => setEditing(source)}>
                      {t("admin.integrations.edit")}
                    </Button>
                  </div>
                  {source.connection?.lastReceivedAt && (
                    <p className="mt-2 text-sm">
                      {t("admin.integrations.lastValue", {
                        value: format.number(source.connection.lastValue ?? 0),
                        when: format.dateTime(source.connection.lastReceivedAt),
                      })}
                    </p>
                  )}
                  {source.connection?.lastError && (
                    <p className="mt-2 text-sm font-medium break-words text-red-700 dark:text-red-300">
                      {source.connection.lastError}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function SourceForm({ source, onDone }: { source: OpcuaSource | null; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const errorText = useErrorText();
  const [draft, setDraft] = useState<SourceInput>({
    kind: source?.kind ?? "machine_cycle_counter",
    endpointUrl: source?.endpointUrl ?? "opc.tcp://",
    nodeId: source?.nodeId ?? "",
    active: source?.active ?? true,
    machineId: source?.machine?.id ?? null,
    toolId: source?.tool?.id ?? null,
  });
  const machines = useQuery({ queryKey: keys.machineOverview, queryFn: fetchMachineOverview });
  // Not keys.tools(…): the registry list keeps infinite-query pages under those keys, a different shape.
  const tools = useQuery({ queryKey: keys.toolPicker, queryFn: () => fetchTools(NO_FILTER, null) });
  const refresh = () => client.invalidateQueries({ queryKey: keys.opcuaSources });
  const save = useMutation({
    mutationFn: (input: SourceInput) => saveOpcuaSource(source?.id ?? null, input),
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteOpcuaSource(source!.id),
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const { fields, general } = formErrors(t, save.error, SOURCE_FIELDS);
  const forMachine = draft.kind === "machine_cycle_counter";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!save.isPending) save.mutate(draft);
  }

  return (
    <form
      className="mt-4 grid max-w-3xl gap-4 rounded-xl bg-slate-50 p-4 sm:grid-cols-2 dark:bg-slate-800/50"
      onSubmit={submit}
      noValidate
      aria-label={source ? t("admin.integrations.editSource") : t("admin.integrations.addSource")}
    >
      <SelectField
        label={t("admin.integrations.kind")}
        value={draft.kind}
        onChange={(e) => setDraft((d) => ({ ...d, kind: e.target.value as OpcuaKind }))}
        error={fields.kind}
      >
        {KINDS.map((kind) => (
          <option key={kind} value={kind}>
            {t(`admin.integrations.kinds.${kind}`)}
          </option>
        ))}
      </SelectField>
      {forMachine ? (
        <SelectField
          label={t("admin.integrations.machine")}
          value={draft.machineId ?? ""}
          onChange={(e) => setDraft((d) => ({ ...d, machineId: e.target.value || null }))}
          error={fields.machineId}
        >
          <option value="">{t("admin.integrations.choose")}</option>
          {machines.data?.items
            .filter((m) => m.status !== "retired")
            .map((m) => (
              <option key={m.id} value={m.id}>
                {m.code} — {m.name}
              </option>
            ))}
        </SelectField>
      ) : (
        <SelectField
          label={t("admin.integrations.tool")}
          value={draft.toolId ?? ""}
          onChange={(e) => setDraft((d) => ({ ...d, toolId: e.target.value || null }))}
          error={fields.toolId}
        >
          <option value="">{t("admin.integrations.choose")}</option>
          {tools.data?.items.map((tool) => (
            <option key={tool.id} value={tool.id}>
              {tool.assetNumber} — {tool.name}
            </option>
          ))}
        </SelectField>
      )}
      <TextField
        label={t("admin.integrations.endpoint")}
        hint={t("admin.integrations.endpointHint")}
        required
        spellCheck={false}
        value={draft.endpointUrl}
        onChange={(e) => setDraft((d) => ({ ...d, endpointUrl: e.target.value }))}
        error={fields.endpointUrl}
      />
      <TextField
        label={t("admin.integrations.nodeId")}
        hint={t("admin.integrations.nodeIdHint")}
        required
        spellCheck={false}
        value={draft.nodeId}
        onChange={(e) => setDraft((d) => ({ ...d, nodeId: e.target.value }))}
        error={fields.nodeId}
      />
      <label className="flex min-h-12 items-center gap-3 sm:col-span-2">
        <input
          type="checkbox"
          className="size-6"
          checked={draft.active}
          onChange={(e) => setDraft((d) => ({ ...d, active: e.target.checked }))}
        />
        <span>{t("admin.integrations.activeLabel")}</span>
      </label>
      {(general || remove.isError) && (
        <p
          role="alert"
          className="rounded-lg bg-red-50 px-4 py-3 font-medium text-red-800 sm:col-span-2 dark:bg-red-950 dark:text-red-200"
        >
          {general ?? errorText(remove.error)}
        </p>
      )}
      <div className="flex flex-wrap gap-3 sm:col-span-2">
        <Button type="submit" disabled={save.isPending}>
          {t("admin.save")}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          {t("forms.cancel")}
        </Button>
        {source && (
          <Button
            variant="secondary"
            className="ml-auto"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(t("admin.integrations.confirmRemove"))) remove.mutate();
            }}
          >
            {t("admin.integrations.remove")}
          </Button>
        )}
      </div>
    </form>
  );
}

const OUTCOME_TONE: Record<EventStatus, "green" | "slate" | "amber" | "red"> = {
  stored: "green",
  duplicate: "slate",
  ignored: "amber",
  rejected: "red",
};

function Events() {
  const { t } = useTranslation();
  const format = useFormat();
  const [filter, setFilter] = useState<{ channel: "" | "mqtt" | "opcua"; status: "" | EventStatus }>({
    channel: "",
    status: "",
  });
  const query = useInfiniteQuery({
    queryKey: keys.integrationEvents(filter),
    queryFn: ({ pageParam }) => fetchEvents(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    placeholderData: keepPreviousData,
  });
  const events = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading" className="text-2xl font-bold">
        {t("admin.integrations.events")}
      </h2>
      <div className="mt-3 grid gap-3 sm:grid-cols-2">
        <SelectField
          label={t("admin.integrations.channel")}
          value={filter.channel}
          onChange={(e) => setFilter((f) => ({ ...f, channel: e.target.value as typeof f.channel }))}
        >
          <option value="">{t("admin.users.all")}</option>
          <option value="mqtt">MQTT</option>
          <option value="opcua">OPC UA</option>
        </SelectField>
        <SelectField
          label={t("admin.integrations.outcome")}
          value={filter.status}
          onChange={(e) => setFilter((f) => ({ ...f, status: e.target.value as typeof f.status }))}
        >
          <option value="">{t("admin.users.all")}</option>
          {EVENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`admin.integrations.outcomes.${s}`)}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState
        query={query}
        isEmpty={() => events.length === 0}
        empty={<p className="mt-4 text-lg">{t("admin.integrations.noEvents")}</p>}
      >
        {() => (
          <ul className="mt-4 grid gap-2" data-testid="event-list">
            {events.map((event) => (
              <li key={event.id} className="rounded-lg border border-slate-200 p-3 dark:border-slate-700">
                <div className="flex flex-wrap items-center gap-3">
                  <span className="text-sm text-slate-600 dark:text-slate-400">
                    {format.dateTime(event.receivedAt)}
                  </span>
                  <span className="font-semibold uppercase">{event.channel}</span>
                  <span className="min-w-0 flex-1 truncate font-mono text-sm">{event.topic}</span>
                  <Badge tone={OUTCOME_TONE[event.status] ?? "slate"}>
                    {t(`admin.integrations.outcomes.${event.status}`, { defaultValue: event.status })}
                  </Badge>
                </div>
                {event.error && (
                  <p className="mt-1 text-sm break-words text-red-700 dark:text-red-300">{event.error}</p>
                )}
                {event.payload && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-sm text-blue-700 dark:text-blue-400">
                      {t("admin.integrations.payload")}
                    </summary>
                    <pre className="mt-1 overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">
                      {event.payload}
                    </pre>
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <LoadMore
        hasMore={!!query.hasNextPage}
        loading={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      />
    </section>
  );
}
