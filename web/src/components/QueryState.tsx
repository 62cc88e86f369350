import type { InfiniteData, UseInfiniteQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ErrorNotice, Loading } from "./Feedback";
import { LoadMore } from "./Page";

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

/**
 * QueryState for a list read page by page (useInfiniteQuery of `{items}` pages): the items of
 * every page loaded so far, "nothing here" in words when there are none, and "Load more" while
 * the server has more.
 */
export function PagedQueryState<T>({
  query,
  empty,
  children,
}: {
  query: UseInfiniteQueryResult<InfiniteData<{ items: T[] }>>;
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <>
      <QueryState
        query={{ ...query, data: query.data?.pages.flatMap((p) => p.items) }}
        isEmpty={(items) => items.length === 0}
        empty={empty}
      >
        {children}
      </QueryState>
      <LoadMore
        hasMore={query.hasNextPage}
        loading={query.isFetchingNextPage}
        onClick={() => void query.fetchNextPage()}
      />
    </>
  );
}
