/**
 * The few REST calls the app makes (CSV files are not GraphQL). REST errors
 * `{ error: { code, message, details } }` are turned into the same `GraphQLRequestError` the
 * rest of the app handles, with the GraphQL code for the HTTP status, so one error display
 * serves both. Detail fields stay as the server wrote them (snake_case, `row 3.cavity_count`).
 */
import { GraphQLRequestError, type ErrorCode, type GraphQLErrorEntry } from "./graphql";

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "BAD_USER_INPUT",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "BAD_USER_INPUT",
  415: "BAD_USER_INPUT",
  422: "BAD_USER_INPUT",
  429: "RATE_LIMITED",
};

interface RestError {
  error?: { code?: string; message?: string; details?: { field: string; message: string; code?: string }[] };
}

export async function rest<T>(
  method: string,
  path: string,
  body: string,
  contentType: string,
  token: string | null,
): Promise<T> {
  const headers: Record<string, string> = { "content-type": contentType, accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch (error) {
    throw new GraphQLRequestError("NETWORK", error instanceof Error ? error.message : "Network error");
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw new GraphQLRequestError("HTTP_ERROR", `Unexpected response (HTTP ${response.status})`, response.status);
  }
  if (response.ok) return parsed as T;
  const error = (parsed as RestError).error;
  const code = CODE_BY_STATUS[response.status] ?? "HTTP_ERROR";
  const message = error?.message ?? `HTTP ${response.status}`;
  const entry: GraphQLErrorEntry = { message, extensions: { code, details: error?.details ?? [] } };
  throw new GraphQLRequestError(code, message, response.status, [entry]);
}
