import type { FastifyInstance } from "fastify";
import { describe, type IdParams } from "../../http/routes.ts";
import type { Services } from "../../runtime.ts";
import {
  createOpcuaSourceSchema,
  listEventsSchema,
  listOpcuaSourcesSchema,
  updateOpcuaSourceSchema,
} from "./service.ts";

export function registerIntegrationRoutes(app: FastifyInstance, { integrations }: Services): void {
  app.get(
    "/api/v1/integrations/opcua",
    describe("integrations", "OPC UA counter sources, with how each is connected now (admin)", {
      query: listOpcuaSourcesSchema,
    }),
    async (request) => integrations.listOpcuaSources(request.ctx, request.query),
  );
  app.post(
    "/api/v1/integrations/opcua",
    describe("integrations", "Add an OPC UA counter source (admin); subscribed at once", {
      body: createOpcuaSourceSchema,
    }),
    async (request, reply) => reply.code(201).send(await integrations.createOpcuaSource(request.ctx, request.body)),
  );
  app.get<IdParams>(
    "/api/v1/integrations/opcua/:id",
    describe("integrations", "One OPC UA counter source (admin)", { id: true }),
    async (request) => integrations.getOpcuaSource(request.ctx, request.params.id),
  );
  app.patch<IdParams>(
    "/api/v1/integrations/opcua/:id",
    describe("integrations", "Change an OPC UA counter source (admin); the client follows at once", {
      id: true,
      body: updateOpcuaSourceSchema,
    }),
    async (request) => integrations.updateOpcuaSource(request.ctx, request.params.id, request.body),
  );
  app.delete<IdParams>(
    "/api/v1/integrations/opcua/:id",
    describe("integrations", "Remove an OPC UA counter source (admin); its shots and events stay", { id: true }),
    async (request, reply) => {
      await integrations.deleteOpcuaSource(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );
  app.get(
    "/api/v1/integrations/events",
    describe("integrations", "Inbound machine messages (MQTT, OPC UA), newest first; filters channel, status (admin)", {
      query: listEventsSchema,
    }),
    async (request) => integrations.listEvents(request.ctx, request.query),
  );
}
