/** The signed-in user's own account: password and sessions (docs/security.md "Accounts"). */
import { request } from "./session";

export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await request(
    `mutation ChangePassword($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
    {
      c: currentPassword,
      n: newPassword,
    },
  );
}

export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

export async function fetchSessions(userId: string): Promise<Session[]> {
  const data = await request<{ sessions: Session[] }>(
    `query Sessions($u: ID!) { sessions(userId: $u) { id createdAt lastUsedAt expiresAt userAgent ip current } }`,
    { u: userId },
  );
  return data.sessions;
}

export async function revokeSession(userId: string, sessionId: string): Promise<void> {
  await request(`mutation($u: ID!, $s: ID!) { revokeSession(userId: $u, sessionId: $s) }`, { u: userId, s: sessionId });
}

export async function revokeOtherSessions(userId: string): Promise<number> {
  const data = await request<{ revokeSessions: number }>(
    `mutation($u: ID!) { revokeSessions(userId: $u, keepCurrent: true) }`,
    {
      u: userId,
    },
  );
  return data.revokeSessions;
}
