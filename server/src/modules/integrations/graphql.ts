import { connectionType, pageArgs, toSnakeCase, withoutNulls, type Builder } from "../../graphql/builder.ts";
import { loader } from "../../graphql/loaders.ts";
import type { Refs } from "../../graphql/refs.ts";
import type { SourceConnection } from "../../integrations/opcua/manager.ts";
import {
  INTEGRATION_CHANNELS,
  INTEGRATION_EVENT_STATUSES,
  OPCUA_KINDS,
  type IntegrationEvent,
  type OpcuaSource,
} from "./service.ts";

/** OPC UA counter sources and the inbound events of the machine feeds (admin). */
export function registerIntegrationGraphql(builder: Builder, refs: Refs) {
  const OpcuaSourceKind = builder.enumType("OpcuaSourceKind", { values: OPCUA_KINDS });
  const IntegrationChannel = builder.enumType("IntegrationChannel", { values: INTEGRATION_CHANNELS });
  const IntegrationEventStatus = builder.enumType("IntegrationEventStatus", { values: INTEGRATION_EVENT_STATUSES });

  const OpcuaConnectionType = builder.objectRef<SourceConnection>("OpcuaConnection").implement({
    description: "How this HOM process is doing with the source right now",
    fields: (t) => ({
      state: t.exposeString("state"),
      lastValue: t.float({ nullable: true, resolve: (c) => c.last_value }),
      lastReceivedAt: t.string({ nullable: true, resolve: (c) => c.last_received_at }),
      lastError: t.string({ nullable: true, resolve: (c) => c.last_error }),
    }),
  });

  const OpcuaSourceType = builder.objectRef<OpcuaSource>("OpcuaSource").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      endpointUrl: t.string({ resolve: (s) => s.endpoint_url }),
      nodeId: t.string({ resolve: (s) => s.node_id }),
      kind: t.exposeString("kind"),
      machineId: t.id({ nullable: true, resolve: (s) => s.machine_id }),
      machine: t.field({
        type: refs.Machine,
        nullable: true,
        resolve: (s, _a, context) =>
          s.machine_id
            ? loader(context, "machine", (ids) => context.services.plant.machinesByIds(context.ctx, ids)).load(
                s.machine_id,
              )
            : null,
      }),
      toolId: t.id({ nullable: true, resolve: (s) => s.tool_id }),
      tool: t.field({
        type: refs.Tool,
        nullable: true,
        resolve: (s, _a, context) =>
          s.tool_id
            ? loader(context, "tool", (ids) => context.services.tools.byIds(context.ctx, ids)).load(s.tool_id)
            : null,
      }),
      active: t.exposeBoolean("active"),
      createdAt: t.string({ resolve: (s) => s.created_at }),
      updatedAt: t.string({ resolve: (s) => s.updated_at }),
      connection: t.field({ type: OpcuaConnectionType, resolve: (s) => s.connection }),
    }),
  });
  const OpcuaSourceConnection = connectionType(builder, "OpcuaSource", OpcuaSourceType);

  const IntegrationEventType = builder.objectRef<IntegrationEvent>("IntegrationEvent").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      channel: t.exposeString("channel"),
      topic: t.exposeString("topic"),
      payload: t.exposeString("payload"),
      status: t.exposeString("status"),
      error: t.string({ nullable: true, resolve: (e) => e.error }),
      receivedAt: t.string({ resolve: (e) => e.received_at }),
    }),
  });
  const IntegrationEventConnection = connectionType(builder, "IntegrationEvent", IntegrationEventType);

  const CreateOpcuaSourceInput = builder.inputType("CreateOpcuaSourceInput", {
    fields: (t) => ({
      endpointUrl: t.string({ required: true }),
      nodeId: t.string({ required: true }),
      kind: t.field({ type: OpcuaSourceKind, required: true }),
      machineId: t.id(),
      toolId: t.id(),
      active: t.boolean(),
    }),
  });
  const UpdateOpcuaSourceInput = builder.inputType("UpdateOpcuaSourceInput", {
    fields: (t) => ({
      endpointUrl: t.string(),
      nodeId: t.string(),
      kind: t.field({ type: OpcuaSourceKind }),
      machineId: t.id(),
      toolId: t.id(),
      active: t.boolean(),
    }),
  });

  builder.queryFields((t) => ({
    opcuaSources: t.field({
      type: OpcuaSourceConnection,
      args: { first: t.arg.int(), after: t.arg.string(), active: t.arg.boolean() },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.integrations.listOpcuaSources(ctx, { ...pageArgs({ first, after }), ...withoutNulls(filter) }),
    }),
    opcuaSource: t.field({
      type: OpcuaSourceType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.integrations.getOpcuaSource(ctx, String(args.id)),
    }),
    integrationEvents: t.field({
      type: IntegrationEventConnection,
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        channel: t.arg({ type: IntegrationChannel }),
        status: t.arg({ type: IntegrationEventStatus }),
      },
      resolve: (_root, { first, after, ...filter }, { ctx, services }) =>
        services.integrations.listEvents(ctx, { ...pageArgs({ first, after }), ...withoutNulls(filter) }),
    }),
  }));

  builder.mutationFields((t) => ({
    createOpcuaSource: t.field({
      type: OpcuaSourceType,
      args: { input: t.arg({ type: CreateOpcuaSourceInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.integrations.createOpcuaSource(ctx, toSnakeCase(args.input)),
    }),
    updateOpcuaSource: t.field({
      type: OpcuaSourceType,
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateOpcuaSourceInput, required: true }) },
      resolve: (_root, args, { ctx, services }) =>
        services.integrations.updateOpcuaSource(ctx, String(args.id), toSnakeCase(args.input)),
    }),
    deleteOpcuaSource: t.field({
      type: OpcuaSourceType,
      description: "Removes the source and answers what it was",
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, { ctx, services }) => services.integrations.deleteOpcuaSource(ctx, String(args.id)),
    }),
  }));
}
