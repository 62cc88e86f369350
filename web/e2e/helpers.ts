/**
 * Shared set-up for the plant tests: data is created through the REST API as admin, and every
 * test uses its own codes and users, so tests do not depend on each other or on their order.
 */
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const ADMIN = { username: "admin", password: "e2e-admin-password" };

let counter = 0;
/** A code no other test (or earlier run against the same server) uses: letters, digits and dashes. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}`.toUpperCase();
}

export async function adminToken(request: APIRequestContext): Promise<string> {
  const response = await request.post("/api/v1/auth/token", { data: ADMIN });
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function post<T>(request: APIRequestContext, token: string, path: string, data: unknown): Promise<T> {
  const response = await request.post(path, { data, headers: { authorization: `Bearer ${token}` } });
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return (await response.json()) as T;
}

export interface Named {
  id: string;
  code: string;
  name: string;
}

export interface Plant {
  token: string;
  line: Named;
  machine: Named;
}

/** A line with one machine on it. */
export async function createPlant(request: APIRequestContext): Promise<Plant> {
  const token = await adminToken(request);
  const lineCode = unique("L");
  const line = await post<Named>(request, token, "/api/v1/lines", { code: lineCode, name: `Line ${lineCode}` });
  const machineCode = unique("M");
  const machine = await post<Named>(request, token, "/api/v1/machines", {
    line_id: line.id,
    code: machineCode,
    name: `Press ${machineCode}`,
  });
  return { token, line, machine };
}

export async function createUser(
  request: APIRequestContext,
  role: string,
  token?: string,
): Promise<{ username: string; password: string }> {
  const user = { username: unique(role).toLowerCase(), password: `${role}-password-e2e`, role };
  await post(request, token ?? (await adminToken(request)), "/api/v1/users", user);
  return { username: user.username, password: user.password };
}

export async function startDowntime(request: APIRequestContext, token: string, machineId: string): Promise<void> {
  await post(request, token, "/api/v1/downtimes", { machine_id: machineId });
}

export async function logIn(page: Page, user: { username: string; password: string }, path = "/"): Promise<void> {
  await page.goto(path);
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("user-name")).toBeVisible();
}
