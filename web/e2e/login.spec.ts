import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

const ADMIN = { username: "admin", password: "e2e-admin-password" };
const REFRESH_KEY = "hom.refreshToken";
const THEME_KEY = "hom.theme";

// Deterministic "system" theme; every test gets a fresh browser context (Playwright's default).
test.use({ colorScheme: "light" });

async function logIn(page: Page, username = ADMIN.username, password = ADMIN.password) {
  await page.goto("/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function expectShell(page: Page) {
  // An admin starts on the dashboard (office roles do; people at the presses get a welcome).
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await expect(page.getByTestId("user-name")).toHaveText("Administrator");
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
}

async function expectLoginPage(page: Page) {
  await expect(page.getByRole("heading", { name: "Log in to HOM" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Log out" })).toHaveCount(0);
}

const storedRefreshToken = (page: Page) => page.evaluate((key) => localStorage.getItem(key), REFRESH_KEY);

async function gql(request: APIRequestContext, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await request.post("/graphql", {
    data: { query, variables },
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return (await response.json()) as {
    data?: { login?: { accessToken: string } } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

test("logging in as admin shows the shell with the user's name and role", async ({ page }) => {
  await logIn(page);
  await expectShell(page);
  await expect(page.getByTestId("user-name")).toHaveText("Administrator");
  await expect(page.getByTestId("user-username")).toContainText("admin");
  await expect(page.getByTestId("user-role")).toHaveText("admin");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  // The refresh token is kept for reloads; the access token is not written anywhere.
  expect(await storedRefreshToken(page)).toMatch(/^[\w-]{20,}$/);
  const stored = await page.evaluate(() => Object.keys(localStorage));
  expect(stored).toEqual([REFRESH_KEY]);
});

test("a wrong password shows the error and stays on the login page", async ({ page }) => {
  await logIn(page, ADMIN.username, "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await expectLoginPage(page);
  // What was typed is still there to correct.
  await expect(page.getByLabel("Username")).toHaveValue("admin");
  expect(await storedRefreshToken(page)).toBeNull();
});

test("a reload after login keeps the session through the stored refresh token", async ({ page }) => {
  await logIn(page);
  await expectShell(page);
  const before = await storedRefreshToken(page);

  await page.reload();
  await expectShell(page);
  await expect(page.getByTestId("user-role")).toHaveText("admin");
  // The reload refreshed the session: the token was rotated.
  const after = await storedRefreshToken(page);
  expect(after).toBeTruthy();
  expect(after).not.toEqual(before);
});

test("switching the theme to dark sets the dark class on <html> and survives a reload", async ({ page }) => {
  await logIn(page);
  await expectShell(page);
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/\bdark\b/);
  await expect(page.getByRole("radio", { name: "System" })).toBeChecked();

  await page.getByRole("radio", { name: "Dark" }).check();
  await expect(html).toHaveClass(/\bdark\b/);
  expect(await page.evaluate((key) => localStorage.getItem(key), THEME_KEY)).toBe("dark");

  await page.reload();
  await expectShell(page);
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
  // The dark styles really apply.
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).not.toBe("rgb(248, 250, 252)");

  await page.getByRole("radio", { name: "Light" }).check();
  await expect(html).not.toHaveClass(/\bdark\b/);
});

test("logging out returns to the login page and a reload stays logged out", async ({ page, request }) => {
  await logIn(page);
  await expectShell(page);
  const token = await storedRefreshToken(page);

  await page.getByRole("button", { name: "Log out" }).click();
  await expectLoginPage(page);
  expect(await storedRefreshToken(page)).toBeNull();

  await page.reload();
  await expectLoginPage(page);

  // The server ended the session: the old refresh token is refused.
  const result = await gql(request, "mutation Refresh($t:String!){ refreshToken(refreshToken:$t){ accessToken } }", {
    t: token,
  });
  expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});

test("at 768×1024 the login button is at least 48 px tall", async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.goto("/");
  const button = page.getByRole("button", { name: "Log in" });
  await expect(button).toBeVisible();
  const box = await button.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.height).toBeGreaterThanOrEqual(48);
  for (const label of ["Username", "Password"]) {
    const field = await page.getByLabel(label).boundingBox();
    expect(field!.height).toBeGreaterThanOrEqual(48);
  }
  // Nothing overflows sideways at tablet width.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
});

test("a session refused by the server on reload returns to the login page", async ({ page, request }) => {
  await logIn(page);
  await expectShell(page);
  // Spend the stored refresh token elsewhere: presenting it again counts as reuse and the
  // server revokes the whole session.
  const token = await storedRefreshToken(page);
  const spent = await gql(request, "mutation Refresh($t:String!){ refreshToken(refreshToken:$t){ accessToken } }", {
    t: token,
  });
  expect(spent.errors).toBeUndefined();

  await page.reload();
  await expectLoginPage(page);
  await expect(page.getByRole("status")).toHaveText("Your session has ended. Please log in again.");
  expect(await storedRefreshToken(page)).toBeNull();
});

test("an access token refused by the server is refreshed once and the call retried", async ({ page }) => {
  await logIn(page);
  await expectShell(page);

  // After the reload the app refreshes, then asks for `me`: answer that first `me` as the server
  // does for an expired access token. The app must refresh again and retry.
  const calls: string[] = [];
  let refused = false;
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query: string };
    const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? "?";
    calls.push(name);
    if (name === "Me" && !refused) {
      refused = true;
      return route.fulfill({
        json: {
          data: { me: null },
          errors: [{ message: "Token expired", path: ["me"], extensions: { code: "UNAUTHENTICATED" } }],
        },
      });
    }
    return route.continue();
  });

  await page.reload();
  await expectShell(page);
  // Then the start page (the dashboard) asks for its figures.
  expect(calls.slice(0, 4)).toEqual(["Refresh", "Me", "Refresh", "Me"]);
  expect(calls.slice(4).filter((name) => name === "Refresh" || name === "Me")).toEqual([]);
});

test("a locked account shows the lockout message", async ({ page, request }) => {
  const login = await gql(
    request,
    "mutation Login($u:String!,$p:String!){ login(username:$u,password:$p){ accessToken } }",
    {
      u: ADMIN.username,
      p: ADMIN.password,
    },
  );
  const adminToken = login.data?.login?.accessToken;
  expect(adminToken).toBeTruthy();
  const created = await gql(
    request,
    "mutation Create($i:CreateUserInput!){ createUser(input:$i){ id } }",
    { i: { username: "press-operator", password: "operator-password", role: "operator" } },
    adminToken,
  );
  expect(created.errors).toBeUndefined();
  // Five failures lock the account (HOM_LOGIN_MAX_FAILURES defaults to 5); the fifth already says so.
  for (let i = 0; i < 5; i++) {
    const failed = await gql(
      request,
      "mutation Login($u:String!,$p:String!){ login(username:$u,password:$p){ accessToken } }",
      {
        u: "press-operator",
        p: "wrong-password",
      },
    );
    expect(failed.errors?.[0]?.extensions?.code).toBe(i < 4 ? "UNAUTHENTICATED" : "RATE_LIMITED");
  }

  await logIn(page, "press-operator", "operator-password");
  await expect(page.getByRole("alert")).toHaveText("Too many failed logins. Wait a while and try again.");
  await expectLoginPage(page);
});
