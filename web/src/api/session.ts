/**
 * The login session. The refresh token lives in localStorage (`hom.refreshToken`) so a reload
 * keeps the session; the short-lived access token lives only in memory. Refresh tokens rotate:
 * each refresh returns a new one and a used one is refused (and revokes the session), so at most
 * one refresh runs at a time — one in-flight promise per tab, and a Web Lock across tabs where
 * the browser offers one (secure contexts only).
 */
import { graphql, GraphQLRequestError, isGraphQLError, type Variables } from "./graphql";
import { rest } from "./rest";

export const REFRESH_TOKEN_KEY = "hom.refreshToken";
/** Refresh this many seconds before the access token expires. */
const REFRESH_LEAD_SECONDS = 60;
/** After a failed background refresh (server unreachable), try again this much later. */
const RETRY_SECONDS = 30;

const LOGIN = `mutation Login($u:String!,$p:String!){ login(username:$u,password:$p){ accessToken refreshToken expiresIn tokenType } }`;
const REFRESH = `mutation Refresh($t:String!){ refreshToken(refreshToken:$t){ accessToken refreshToken expiresIn } }`;
const LOGOUT = `mutation Logout($t:String){ logout(refreshToken:$t) }`;
const ME = `query Me { me { id username fullName role locale permissions mustChangePassword } }`;

export interface Me {
  id: string;
  username: string;
  fullName: string | null;
  role: string;
  locale: string;
  /** What the role allows (the server's matrix, docs/permissions.md). */
  permissions: string[];
  /** An admin set this password: nothing but changing it works until then (docs/security.md). */
  mustChangePassword?: boolean | null;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Why a session ended without the user logging out here. */
export type EndReason = "expired" | "elsewhere";
type EndListener = (reason: EndReason) => void;

let accessToken: string | null = null;
let accessExpiresAt = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<void> | null = null;
/** Bumped whenever the session is replaced or cleared, so a late refresh cannot resurrect it. */
let generation = 0;
const endListeners = new Set<EndListener>();

function readRefreshToken(): string | null {
  try {
    return localStorage.getItem(REFRESH_TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeRefreshToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(REFRESH_TOKEN_KEY, token);
    else localStorage.removeItem(REFRESH_TOKEN_KEY);
  } catch {
    // Storage disabled: the session then lasts until the tab is reloaded.
  }
}

/** True when a refresh token is stored, i.e. a reload may resume the session. */
export function hasStoredSession(): boolean {
  return readRefreshToken() !== null;
}

function clearLocal(): void {
  generation += 1;
  accessToken = null;
  accessExpiresAt = 0;
  clearTimeout(refreshTimer);
  refreshTimer = undefined;
  writeRefreshToken(null);
}

function schedule(seconds: number): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshInBackground, seconds * 1000);
}

function applyTokens(pair: TokenPair): void {
  accessToken = pair.accessToken;
  accessExpiresAt = Date.now() + pair.expiresIn * 1000;
  writeRefreshToken(pair.refreshToken);
  // Short lifetimes (the server allows 30 s) refresh half-way instead.
  schedule(Math.max(pair.expiresIn - REFRESH_LEAD_SECONDS, pair.expiresIn / 2));
}

function end(reason: EndReason): void {
  clearLocal();
  for (const listener of endListeners) listener(reason);
}

/** Ends the session only if it is still the one `started` refers to (not replaced by a new login). */
function endIfCurrent(started: number, reason: EndReason): void {
  if (generation === started) end(reason);
}

function refreshInBackground(): void {
  const started = generation;
  refresh().catch((error: unknown) => {
    if (isGraphQLError(error, "UNAUTHENTICATED")) endIfCurrent(started, "expired");
    else if (generation === started && readRefreshToken()) schedule(RETRY_SECONDS);
  });
}

/** Runs `task` while holding the cross-tab refresh lock, where the browser has Web Locks. */
function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return locks ? locks.request("hom.refresh", task) : task();
}

async function doRefresh(): Promise<void> {
  const started = generation;
  // Read the token only now: another tab may have rotated it while we waited for the lock.
  const token = readRefreshToken();
  if (!token) throw new GraphQLRequestError("UNAUTHENTICATED", "Not logged in");
  const pair = (await graphql<{ refreshToken: TokenPair }>(REFRESH, { t: token })).refreshToken;
  // Logged out or logged in anew meanwhile: this pair belongs to a session that is gone here.
  if (generation === started) applyTokens(pair);
}

/**
 * Exchanges the stored refresh token for a new pair. Concurrent callers share one request.
 * Rejects with UNAUTHENTICATED when the session is gone (invalid, expired, reused or revoked).
 */
export function refresh(): Promise<void> {
  inFlight ??= withRefreshLock(doRefresh).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

/**
 * A call as the logged-in user. On UNAUTHENTICATED (expired access token) it refreshes once
 * and retries; if that fails too, the session ends and listeners hear "expired".
 */
async function authorized<T>(call: (token: string | null) => Promise<T>): Promise<T> {
  const started = generation;
  const refreshOrEnd = async () => {
    try {
      await refresh();
    } catch (error) {
      if (isGraphQLError(error, "UNAUTHENTICATED")) endIfCurrent(started, "expired");
      throw error;
    }
  };

  if (!accessToken) await refreshOrEnd();
  const sent = accessToken;
  try {
    return await call(sent);
  } catch (error) {
    if (!isGraphQLError(error, "UNAUTHENTICATED")) throw error;
  }
  // Another call may already have refreshed while this one was under way.
  if (accessToken === sent) await refreshOrEnd();
  try {
    return await call(accessToken);
  } catch (error) {
    if (isGraphQLError(error, "UNAUTHENTICATED")) endIfCurrent(started, "expired");
    throw error;
  }
}

/** A GraphQL call as the logged-in user (see `authorized`). */
export function request<T>(query: string, variables: Variables = {}): Promise<T> {
  return authorized((token) => graphql<T>(query, variables, { token }));
}

/** A REST call as the logged-in user, for what GraphQL does not carry (CSV files). */
export function restRequest<T>(method: string, path: string, body: string, contentType: string): Promise<T> {
  return authorized((token) => rest<T>(method, path, body, contentType, token));
}

/**
 * The access token for a request the app makes itself (images as blobs, uploads with progress),
 * refreshed first when missing or when `renew` is set (the server answered 401).
 */
export async function currentAccessToken(renew = false): Promise<string | null> {
  if (renew || !accessToken) {
    const started = generation;
    try {
      await refresh();
    } catch (error) {
      if (isGraphQLError(error, "UNAUTHENTICATED")) endIfCurrent(started, "expired");
      throw error;
    }
  }
  return accessToken;
}

/** Logs in; on success the new session replaces any previous one. */
export async function login(username: string, password: string): Promise<void> {
  const data = await graphql<{ login: TokenPair }>(LOGIN, { u: username, p: password });
  clearLocal();
  applyTokens(data.login);
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function logout(): Promise<void> {
  const token = readRefreshToken();
  const bearer = accessToken;
  clearLocal();
  if (!token && !bearer) return;
  try {
    await graphql<{ logout: boolean }>(LOGOUT, { t: token }, { token: bearer });
  } catch {
    // Already ended or server unreachable: locally the session is gone either way.
  }
}

export async function fetchMe(): Promise<Me> {
  return (await request<{ me: Me }>(ME)).me;
}

/** Subscribes to sessions ending on their own (refresh refused, logged out in another tab). */
export function onSessionEnd(listener: EndListener): () => void {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

if (typeof window !== "undefined") {
  // Logged out in another tab: the refresh token disappeared from storage.
  window.addEventListener("storage", (event) => {
    if ((event.key === REFRESH_TOKEN_KEY || event.key === null) && event.newValue === null && accessToken) {
      end("elsewhere");
    }
  });
  // Timers are throttled in background tabs: catch up when the tab comes back.
  document.addEventListener("visibilitychange", () => {
    if (
      document.visibilityState === "visible" &&
      accessToken &&
      Date.now() > accessExpiresAt - REFRESH_LEAD_SECONDS * 1000
    ) {
      refreshInBackground();
    }
  });
}
