/**
 * A tiny GraphQL-over-HTTP client: POST JSON `{ query, variables }` to /graphql.
 * Errors are thrown as `GraphQLRequestError` with the server's `extensions.code`
 * (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED, NOT_FOUND, CONFLICT, …),
 * or NETWORK / HTTP_ERROR when no GraphQL answer came back.
 */

export const GRAPHQL_ENDPOINT = "/graphql";

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "BAD_USER_INPUT"
  | "RATE_LIMITED"
  | "NOT_FOUND"
  | "CONFLICT"
  | "INTERNAL_SERVER_ERROR"
  | "NETWORK"
  | "HTTP_ERROR"
  | (string & {});

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; details?: { field: string; message: string; code?: string }[] };
}

export class GraphQLRequestError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: GraphQLErrorEntry[];

  constructor(code: ErrorCode, message: string, status = 0, errors: GraphQLErrorEntry[] = []) {
    super(message);
    this.name = "GraphQLRequestError";
    this.code = code;
    this.status = status;
    this.errors = errors;
  }
}

export type Variables = Record<string, unknown>;

export interface RequestOptions {
  /** Access token sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  signal?: AbortSignal;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorEntry[];
}

export async function graphql<T>(query: string, variables: Variables = {}, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  let response: Response;
  try {
    response = await fetch(GRAPHQL_ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new GraphQLRequestError("NETWORK", error instanceof Error ? error.message : "Network error");
  }

  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new GraphQLRequestError("HTTP_ERROR", `Unexpected response (HTTP ${response.status})`, response.status);
  }

  if (body.errors && body.errors.length > 0) {
    const first = body.errors[0];
    throw new GraphQLRequestError(first.extensions?.code ?? "HTTP_ERROR", first.message, response.status, body.errors);
  }
  if (!response.ok || body.data == null) {
    throw new GraphQLRequestError("HTTP_ERROR", `Unexpected response (HTTP ${response.status})`, response.status);
  }
  return body.data;
}

export function isGraphQLError(error: unknown, code?: ErrorCode): error is GraphQLRequestError {
  return error instanceof GraphQLRequestError && (code === undefined || error.code === code);
}
