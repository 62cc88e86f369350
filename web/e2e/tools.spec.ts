import { expect, test } from "@playwright/test";
import { adminToken, createPlant, createUser, logIn, post, unique } from "./helpers";

test.use({ colorScheme: "light" });

test("an engineer registers a tool, records shots, mounts and unmounts it", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const engineer = await createUser(request, "engineer", token);
  const asset = unique("MLD");

  await logIn(page, engineer);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Tools", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Tools", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Register tool" }).first().click();
  await expect(page.getByRole("heading", { name: "Register tool", level: 1 })).toBeVisible();

  // Nothing typed: the form says what is missing, next to each field.
  const register = page.getByRole("main").getByRole("button", { name: "Register tool" });
  await register.click();
  await expect(page.getByLabel(/^Cavities/)).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel(/^Cavities/).fill("4");
  await page.getByLabel("Active cavities").fill("x");
  await register.click();
  await expect(page.getByTestId("field-error")).toHaveText("Enter a whole number.");
  // The server's answers, at their fields.
  await page.getByLabel("Active cavities").fill("6");
  await register.click();
  await expect(page.getByRole("alert")).toHaveText("Some fields need attention.");
  await expect(page.getByTestId("field-error")).toHaveText(["Required.", "Required."]);
  await page.getByLabel("Asset number").fill(asset);
  await page.getByLabel("Name").fill("Housing 4-cavity");
  await register.click();
  await expect(page.getByLabel("Active cavities")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Active cavities").fill("");
  await page.getByLabel("Rated life (shots)").fill("1,000,000");
  await page.getByLabel("Shots so far").fill("12000");
  await page.getByLabel("Location").fill("Rack A3");
  await register.click();

  await expect(page.getByRole("heading", { name: `${asset} — Housing 4-cavity`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("tool-status")).toHaveText("Active");
  await expect(page.getByTestId("tool-location")).toHaveText("Rack A3");
  await expect(page.getByTestId("lifetime-shots")).toHaveText("12,000");
  await expect(page.getByRole("meter", { name: "Rated life used" })).toHaveAttribute("aria-valuetext", "1.2%");

  // Shots counted by hand: the counter on the page follows.
  const shots = page.getByTestId("shot-entry");
  await shots.getByLabel("Shots since the last entry").fill("0");
  await shots.getByRole("button", { name: "Add shots" }).click();
  await expect(shots.getByTestId("field-error")).toHaveText("Must be at least 1.");
  await shots.getByLabel("Shots since the last entry").fill("2500");
  await shots.getByRole("button", { name: "Add shots" }).click();
  await expect(shots.getByRole("status")).toHaveText("Shots added: 2,500.");
  await expect(page.getByTestId("lifetime-shots")).toHaveText("14,500");
  await expect(shots.getByLabel("Shots since the last entry")).toHaveValue("");

  // Mount on the press, then take it out to a rack.
  const mount = page.getByTestId("mount-panel");
  await mount.getByLabel("Machine").selectOption({ label: `${machine.code} — ${machine.name}` });
  await mount.getByRole("button", { name: "Mount" }).click();
  await expect(mount.getByRole("status")).toHaveText("Tool mounted.");
  await expect(page.getByTestId("tool-machine")).toHaveText(`${machine.code} — ${machine.name}`);
  await expect(page.getByTestId("mount-history")).toContainText(machine.code);
  await expect(page.getByTestId("mount-history")).toContainText("now");
  // A mounted tool cannot be stored: the server's reason shows.
  await page.getByLabel("Tool status").selectOption("stored");
  await page.getByRole("button", { name: "Change status" }).click();
  await expect(page.getByText("The tool is mounted; unmount it first.")).toBeVisible();

  await mount.getByLabel("Put away at (optional)").fill("Rack B1");
  await mount.getByRole("button", { name: "Unmount" }).click();
  await expect(mount.getByRole("status")).toHaveText("Tool unmounted.");
  await expect(page.getByTestId("tool-machine")).toHaveText("Not mounted");
  await expect(page.getByTestId("tool-location")).toHaveText("Rack B1");
  await expect(page.getByTestId("mount-history")).not.toContainText("now");

  await page.getByRole("button", { name: "Change status" }).click();
  await expect(page.getByTestId("tool-status")).toHaveText("Stored");

  // The registry finds it by location and status, and links to it.
  await nav.getByRole("link", { name: "Tools", exact: true }).click();
  await page.getByLabel("Location").fill("rack b1");
  await page.getByLabel("Status").selectOption("stored");
  await expect(page).toHaveURL(/location=rack\+b1/);
  const rows = page.getByTestId("tool-row");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText(asset);
  await expect(rows).toContainText("14,500");
  await page.getByLabel("Status").selectOption("active");
  await expect(page.getByTestId("tools-empty")).toBeVisible();
  await page.getByLabel("Status").selectOption("stored");
  await rows.click();
  await expect(page.getByRole("heading", { name: `${asset} — Housing 4-cavity`, level: 1 })).toBeVisible();
});

test("a CSV import with one bad row is refused with the row shown; the fixed file imports", async ({
  page,
  request,
}) => {
  const engineer = await createUser(request, "engineer");
  const [a, b, c] = [unique("CSV"), unique("CSV"), unique("CSV")];
  const file = (cavities: string) =>
    [
      "asset_number,name,cavity_count,location,rated_life_shots",
      `${a},Cap mould,8,Rack C1,500000`,
      `${b},Lid mould,${cavities},Rack C2,`,
      `${c},Clip mould,2,Rack C3,`,
    ].join("\n");

  await logIn(page, engineer, "/tools");
  await page.getByRole("link", { name: "Import CSV" }).click();
  await expect(page.getByRole("heading", { name: "Import tools from CSV", level: 1 })).toBeVisible();
  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "tools.csv", mimeType: "text/csv", buffer: Buffer.from(file("0")) });
  await expect(page.getByText("tools.csv: 3 rows")).toBeVisible();
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("The file has errors; nothing was imported.");
  const problems = page.getByTestId("import-error");
  await expect(problems).toHaveCount(1);
  await expect(problems).toContainText("3");
  await expect(problems).toContainText("cavity_count");
  await expect(problems).toContainText("Must be at least 1.");

  // Nothing of the file was stored.
  const token = await adminToken(request);
  const listed = await request.get(`/api/v1/tools?q=${a}`, { headers: { authorization: `Bearer ${token}` } });
  expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(0);

  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "tools.csv", mimeType: "text/csv", buffer: Buffer.from(file("4")) });
  await page.getByRole("button", { name: "Check file" }).click();
  await expect(page.getByTestId("import-report")).toContainText("The file is fine. Nothing has been imported yet.");
  await expect(page.getByTestId("import-report")).toContainText("New: 3");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-report")).toContainText("Imported.");
  await expect(page.getByTestId("import-report")).toContainText(`${b}new`);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tools", exact: true }).click();
  await page.getByLabel("Search").fill(b);
  await expect(page.getByTestId("tool-row")).toHaveCount(1);
  await expect(page.getByTestId("tool-row")).toContainText("Lid mould");
});

test("a viewer sees a tool but no buttons that change it, and is refused if it tries", async ({ page, request }) => {
  const token = await adminToken(request);
  const viewer = await createUser(request, "viewer", token);
  const tool = await post<{ id: string; asset_number: string }>(request, token, "/api/v1/tools", {
    asset_number: unique("VW"),
    name: "Viewer mould",
    cavity_count: 2,
  });
  await post(request, token, `/api/v1/tools/${tool.id}/maintenance-plans`, {
    name: "Clean vents",
    activity: "cleaning",
    interval_shots: 1000,
  });
  await post(request, token, `/api/v1/tools/${tool.id}/shots`, { count: 950 });

  await logIn(page, viewer, "/tools");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Tools", exact: true })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Register tool" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Register tool" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Import CSV" })).toHaveCount(0);

  await page.goto(`/tools/${tool.id}`);
  await expect(page.getByRole("heading", { name: `${tool.asset_number} — Viewer mould`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("lifetime-shots")).toHaveText("950");
  // The plan's status and colour: 95 % of the interval is past the 90 % warning.
  await expect(page.getByTestId("plan")).toContainText("Clean vents");
  await expect(page.getByTestId("plan-status")).toHaveText("Due soon");
  await expect(page.getByTestId("plan")).toContainText("50 shots left");
  await expect(page.getByTestId("tool-actions")).toHaveCount(0);
  for (const name of [
    "Add shots",
    "Mount",
    "Unmount",
    "Change status",
    "Start inspection",
    "Record this maintenance",
  ]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }

  // Typed addresses of the write pages say no instead of showing a form.
  await page.goto("/tools/new");
  await expect(page.getByText("Your role does not allow this.")).toBeVisible();
  await expect(page.getByLabel("Asset number")).toHaveCount(0);

  // The server refuses a viewer's write whatever the app shows.
  const login = await request.post("/api/v1/auth/token", { data: viewer });
  const viewerToken = ((await login.json()) as { access_token: string }).access_token;
  const refused = await request.post(`/api/v1/tools/${tool.id}/shots`, {
    data: { count: 5 },
    headers: { authorization: `Bearer ${viewerToken}` },
  });
  expect(refused.status()).toBe(403);
});
