import { QueryClient } from "@tanstack/react-query";
import { isGraphQLError } from "./graphql";

/** Errors a second try cannot fix: the answer would be the same. */
const FINAL = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT"]);

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A tablet at the press keeps one page open for hours: refetch on focus and reconnect,
      // but not on every re-render of a screen that was just loaded.
      staleTime: 10_000,
      retry: (failures, error) => failures < 2 && !(isGraphQLError(error) && FINAL.has(error.code)),
    },
    mutations: { retry: false },
  },
});
