import type { ReactNode } from "react";
import { ErrorNotice, Loading } from "./Feedback";

/** What QueryState needs of a react-query result (plain and infinite queries alike). */
export interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

interface Props<T> {
  query: QueryLike<T>;
  /** True when the data has nothing to list; `empty` is shown then. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/**
 * The four states of a read, the same way on every page: loading, failed (with a retry),
 * empty (in words), or the data.
 */
export function QueryState<T>({ query, isEmpty, empty, children }: Props<T>) {
  if (query.isPending) return <Loading />;
  if (query.isError || query.data === undefined) {
    return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  }
  if (isEmpty?.(query.data)) return <>{empty ?? null}</>;
  return <>{children(query.data)}</>;
}
