import type { FastifySchema } from "fastify";
import type { z } from "zod";
import { jsonSchema } from "./openapi.ts";

/** `:id` in a path. */
export const idParams = { type: "object", properties: { id: { type: "string" } }, required: ["id"] };
export type IdParams = { Params: { id: string } };

/**
 * A route's OpenAPI description, with the body or query string drawn from the service's zod
 * schema. Documentation only: the service validates.
 */
export function describe(
  tag: string,
  summary: string,
  shapes: { body?: z.ZodType; query?: z.ZodType; id?: boolean } = {},
): { schema: FastifySchema } {
  return {
    schema: {
      tags: [tag],
      summary,
      ...(shapes.id ? { params: idParams } : {}),
      ...(shapes.body ? { body: jsonSchema(shapes.body) } : {}),
      ...(shapes.query ? { querystring: jsonSchema(shapes.query) } : {}),
    },
  };
}
