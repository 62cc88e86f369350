import { expect, test } from "@playwright/test";
import { ADMIN, adminToken, createUser, logIn, post, unique } from "./helpers";

test.use({ colorScheme: "light" });

test("an admin creates a user, changes its role, resets its password and deactivates it", async ({ page }) => {
  await logIn(page, ADMIN);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Administration" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  const form = page.getByTestId("new-user");

  // Server validation, next to each field.
  const username = unique("u").toLowerCase();
  await form.getByLabel("Username").fill("a");
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByTestId("field-error")).toHaveText(["At least 3 characters.", "At least 12 characters."]);

  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Full name").fill("Anna Nowak");
  await form.getByLabel("Role").selectOption("operator");
  await form.getByLabel("Password").fill("operator-password-1");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByRole("status")).toHaveText(`User ${username} created.`);

  // A duplicate username is named at its field.
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("operator-password-1");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByTestId("field-error")).toHaveText("Already in use.");

  const row = page.locator(`[data-testid=user-row][data-username="${username}"]`);
  await page.getByLabel("Search users").fill(username);
  await expect(row).toHaveCount(1);
  await row.getByLabel(`Role of ${username}`).selectOption("technician");
  // The change is stored: the list read again from the server shows it.
  await page.reload();
  await page.getByLabel("Search users").fill(username);
  await expect(row.getByLabel(`Role of ${username}`)).toHaveValue("technician");

  await row.getByRole("button", { name: "Reset password" }).click();
  await row.getByLabel("New password").fill("new-password-22");
  await row.getByRole("button", { name: "Set password" }).click();
  await expect(row.getByRole("status")).toHaveText("Password changed. The user's sessions have ended.");

  // The new password works and the new role is the user's.
  const check = await page.request.post("/api/v1/auth/token", { data: { username, password: "new-password-22" } });
  expect(check.ok()).toBe(true);
  const token = ((await check.json()) as { access_token: string }).access_token;
  const me = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(((await me.json()) as { role: string }).role).toBe("technician");

  await row.getByRole("button", { name: "Deactivate" }).click();
  await expect(row.getByText("Deactivated")).toBeVisible();
  await expect(row.getByRole("button", { name: "Reactivate" })).toBeVisible();
  const refused = await page.request.post("/api/v1/auth/token", { data: { username, password: "new-password-22" } });
  expect(refused.status()).toBe(401);
});

test("an engineer adds and renames a downtime reason, and deactivates it", async ({ page, request }) => {
  const engineer = await createUser(request, "engineer");
  await logIn(page, engineer, "/admin");
  // An engineer has no user administration: the first section it may use opens.
  await expect(page).toHaveURL(/\/admin\/reasons$/);
  await expect(page.getByRole("link", { name: "Users and roles" })).toHaveCount(0);

  const group = page.locator("[data-testid=reason-group][data-code=BREAKDOWN]");
  await group.getByRole("button", { name: /^Add reason to/ }).click();
  const form = group.getByTestId("new-reason");
  const code = `BREAKDOWN_${unique("X").replace(/-/g, "_")}`;
  // The seeded code is taken: the server says so at the field.
  await form.getByLabel("Code").fill("BREAKDOWN_HYDRAULIC");
  await form.getByLabel("Name").fill("Cooling water");
  await form.getByRole("button", { name: "Add" }).click();
  await expect(form.getByTestId("field-error")).toHaveText("Already in use.");
  await form.getByLabel("Code").fill(code);
  await form.getByRole("button", { name: "Add" }).click();

  const reason = group.locator(`[data-testid=reason][data-code="${code}"]`);
  await expect(reason.getByTestId("reason-name")).toHaveText("Cooling water");
  await reason.getByRole("button", { name: "Rename" }).click();
  await reason.getByLabel(`Name of ${code}`).fill("Cooling water (chiller)");
  await reason.getByRole("button", { name: "Save" }).click();
  await expect(reason.getByTestId("reason-name")).toHaveText("Cooling water (chiller)");
  await reason.getByRole("button", { name: "Deactivate" }).click();
  await expect(reason.getByText("Inactive")).toBeVisible();

  // Stored: the API lists it inactive with the new name.
  const token = await adminToken(request);
  const list = await request.get(`/api/v1/downtime-reasons?include_inactive=true&limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const items = ((await list.json()) as { items: { code: string; name: string; active: boolean }[] }).items;
  expect(items.find((r) => r.code === code)).toMatchObject({ name: "Cooling water (chiller)", active: false });
});

test("an engineer creates a checklist with a number step and it is offered on a tool", async ({ page, request }) => {
  const token = await adminToken(request);
  const engineer = await createUser(request, "engineer", token);
  const tool = await post<{ id: string }>(request, token, "/api/v1/tools", {
    asset_number: unique("MLD"),
    name: "Cap mould",
    cavity_count: 2,
  });
  const name = `Mould check ${unique("C")}`;

  await logIn(page, engineer, "/admin/checklists");
  await page.getByRole("link", { name: "New checklist" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("For").selectOption("tool");
  const step1 = page.getByRole("group", { name: "Step 1" });
  await step1.getByLabel("Step 1: what to do").fill("Cooling water temperature");
  await step1.getByLabel("Answer").selectOption("number");
  await step1.getByLabel("Lowest allowed").fill("12");
  await step1.getByLabel("Highest allowed").fill("8");
  await step1.getByLabel("Unit").fill("°C");
  await page.getByRole("button", { name: "Add step" }).click();
  const step2 = page.getByRole("group", { name: "Step 2" });
  await step2.getByLabel("Step 2: what to do").fill("Vents clean");
  await step2.getByLabel("Required").uncheck();
  await page.getByRole("button", { name: "Create checklist" }).click();
  // Limits the wrong way round: the server names the step's field.
  await expect(step1.getByLabel("Highest allowed")).toHaveAttribute("aria-invalid", "true");
  await step1.getByLabel("Lowest allowed").fill("8,5");
  await step1.getByLabel("Highest allowed").fill("12");
  await page.getByRole("button", { name: "Create checklist" }).click();
  await expect(page.getByRole("heading", { name: new RegExp(name) })).toBeVisible();
  await expect(page).toHaveURL(/\/admin\/checklists\/[^/]+$/);
  await expect(page.getByRole("group", { name: "Step 1" }).getByLabel("Lowest allowed")).toHaveValue("8.5");

  // The tool's inspection picker offers it.
  await page.goto(`/tools/${tool.id}`);
  await expect(page.getByLabel("Checklist").locator("option", { hasText: name })).toHaveCount(1);

  // Once a log uses it, a change saves a new version; the old one stays readable as it was.
  const start = page.getByTestId("start-inspection");
  await start.getByLabel("Checklist").selectOption({ label: name });
  await start.getByRole("button", { name: "Start inspection" }).click();
  await expect(page).toHaveURL(/\/inspections\//);
  await page.goBack();
  await page.goBack();
  await expect(page.getByRole("group", { name: "Step 1" })).toBeVisible();
  await page.getByRole("group", { name: "Step 1" }).getByLabel("Step 1: what to do").fill("Cooling water outlet");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText(
    "Saved as version 2: logs already recorded keep the version they used.",
  );
  await page.getByRole("navigation", { name: "Versions" }).getByRole("link", { name: "version 1" }).click();
  await expect(page.getByTestId("version-steps")).toContainText("Cooling water temperature");
  await expect(page.getByTestId("version-steps")).toContainText("8.5 – 12 °C");
  await expect(page.getByRole("group", { name: "Step 1" })).toHaveCount(0);
});

test("a viewer sees no administration and is refused at its address", async ({ page, request }) => {
  const viewer = await createUser(request, "viewer");
  await logIn(page, viewer);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Plant" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Administration" })).toHaveCount(0);
  for (const path of ["/admin", "/admin/users", "/admin/reasons", "/admin/checklists/new", "/admin/integrations"]) {
    await page.goto(path);
    await expect(page.getByTestId("admin-refused")).toHaveText("Your role does not allow this.");
  }
});

test("an admin adds an OPC UA counter and sees its connection state", async ({ page, request }) => {
  const token = await adminToken(request);
  const machine = await post<{ id: string; code: string; name: string }>(
    request,
    token,
    "/api/v1/machines",
    await (async () => {
      const line = await post<{ id: string }>(request, token, "/api/v1/lines", { code: unique("L"), name: "OPC line" });
      const code = unique("M");
      return { line_id: line.id, code, name: `Press ${code}` };
    })(),
  );
  const asset = unique("MLD");
  await post(request, token, "/api/v1/tools", { asset_number: asset, name: "Counted mould", cavity_count: 1 });
  // Through the registry first, inside the app: the tool choice must not trip over the registry's cached pages.
  await logIn(page, ADMIN, "/tools");
  await expect(page.getByRole("heading", { name: "Tools", level: 1 })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Administration" }).click();
  await page.getByRole("link", { name: "Integrations" }).click();
  await page.getByRole("button", { name: "Add OPC UA counter" }).click();
  const form = page.getByRole("form", { name: "Add OPC UA counter" });
  await form.getByLabel("Endpoint URL").fill("http://not-opc");
  await form.getByLabel("Node id").fill("ns=2;s=Shots");
  await form.getByLabel("Counter", { exact: true }).selectOption("mould_lifetime_counter");
  await expect(form.getByLabel("Tool").locator("option", { hasText: asset })).toHaveCount(1);
  await form.getByLabel("Counter", { exact: true }).selectOption("machine_cycle_counter");
  await form.getByLabel("Machine").selectOption({ label: `${machine.code} — ${machine.name}` });
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByLabel("Endpoint URL")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("Endpoint URL").fill("opc.tcp://127.0.0.1:1");
  await form.getByRole("button", { name: "Save" }).click();
  const source = page.getByTestId("source").filter({ hasText: machine.code });
  await expect(source).toContainText("opc.tcp://127.0.0.1:1");
  await expect(source.getByTestId("source-state")).toBeVisible();
});
