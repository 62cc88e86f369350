import SchemaBuilder, { type ObjectRef } from "@pothos/core";
import { GraphQLScalarType } from "graphql";
import type { RequestContext } from "../access/context.ts";
import { cursorsOf, type Page } from "../db/pagination.ts";
import type { Services } from "../runtime.ts";

export interface GraphQLContext {
  ctx: RequestContext;
  services: Services;
}

export function createBuilder() {
  const builder = new SchemaBuilder<{
    Context: GraphQLContext;
    Scalars: { JSON: { Input: unknown; Output: unknown } };
  }>({});
  builder.addScalarType(
    "JSON",
    new GraphQLScalarType({ name: "JSON", description: "Any JSON value", serialize: (v) => v, parseValue: (v) => v }),
  );
  builder.queryType({});
  builder.mutationType({});
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;

const PageInfo = new WeakMap<Builder, ReturnType<typeof definePageInfo>>();

function definePageInfo(builder: Builder) {
  return builder
    .objectRef<{
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    }>("PageInfo")
    .implement({
      fields: (t) => ({
        hasNextPage: t.exposeBoolean("hasNextPage"),
        hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
        startCursor: t.exposeString("startCursor", { nullable: true }),
        endCursor: t.exposeString("endCursor", { nullable: true }),
      }),
    });
}

/** A Relay connection type over a service `Page` (SPEC §1: `first`, `after` → `edges { node }`, `pageInfo`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema-types parameter of this builder
export function connectionType<T>(builder: Builder, name: string, node: ObjectRef<any, T>) {
  let pageInfo = PageInfo.get(builder);
  if (!pageInfo) {
    pageInfo = definePageInfo(builder);
    PageInfo.set(builder, pageInfo);
  }
  const edge = builder.objectRef<{ node: T; cursor: string }>(`${name}Edge`).implement({
    fields: (t) => ({
      node: t.field({ type: node, resolve: (e) => e.node as never }),
      cursor: t.exposeString("cursor"),
    }),
  });
  const info = pageInfo;
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({
        type: [edge],
        resolve: (page) => {
          const cursors = cursorsOf(page);
          return page.items.map((item, i) => ({ node: item, cursor: cursors[i] ?? "" }));
        },
      }),
      pageInfo: t.field({
        type: info,
        resolve: (page) => {
          const cursors = cursorsOf(page);
          return {
            hasNextPage: page.next_cursor !== null,
            hasPreviousPage: false,
            startCursor: cursors[0] ?? null,
            endCursor: page.next_cursor ?? cursors[cursors.length - 1] ?? null,
          };
        },
      }),
    }),
  });
}

/** GraphQL inputs are camelCase, the services' inputs snake_case (SPEC §1). */
export function toSnakeCase(input: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value === undefined) continue;
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return out;
}

/** Optional GraphQL arguments arrive as null when sent as null; filters treat that as absent. */
export function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v != null));
}

export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Relay `first`/`after` as the services' `limit`/`cursor`. */
export function pageArgs(args: { first?: number | null; after?: string | null }): Record<string, unknown> {
  return { limit: args.first ?? undefined, cursor: args.after ?? undefined };
}
