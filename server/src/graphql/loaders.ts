import DataLoader from "dataloader";
import type { GraphQLContext } from "./builder.ts";

const perRequest = new WeakMap<GraphQLContext, Map<string, DataLoader<string, unknown>>>();

/**
 * A request-scoped DataLoader: nested fields (a machine's line, a downtime's reason …) are
 * fetched in one query per kind per request instead of one per row (N+1).
 * `fetch` returns the records found; `keyOf` says which key each answers.
 */
export function loader<T>(
  context: GraphQLContext,
  name: string,
  fetch: (keys: readonly string[]) => Promise<T[]>,
  keyOf: (record: T) => string = (record) => (record as { id: string }).id,
): DataLoader<string, T | null> {
  let loaders = perRequest.get(context);
  if (!loaders) {
    loaders = new Map();
    perRequest.set(context, loaders);
  }
  let found = loaders.get(name) as DataLoader<string, T | null> | undefined;
  if (!found) {
    found = new DataLoader<string, T | null>(async (keys) => {
      const byKey = new Map((await fetch(keys)).map((record) => [keyOf(record), record]));
      return keys.map((key) => byKey.get(key) ?? null);
    });
    loaders.set(name, found);
  }
  return found;
}
