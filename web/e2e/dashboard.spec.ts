import { expect, test } from "@playwright/test";
import { createPlant, createUser, logIn, post, startDowntime, unique } from "./helpers";

test.use({ colorScheme: "light" });

test("the dashboard shows an ongoing downtime, a plan due soon and availability per line", async ({
  page,
  request,
}) => {
  const { token, line, machine } = await createPlant(request);
  const manager = await createUser(request, "manager", token);
  const asset = unique("MLD");
  const tool = await post<{ id: string }>(request, token, "/api/v1/tools", {
    asset_number: asset,
    name: "Dashboard mould",
    cavity_count: 1,
  });
  const planName = `Vent cleaning ${unique("P")}`;
  await post(request, token, `/api/v1/tools/${tool.id}/maintenance-plans`, {
    name: planName,
    activity: "cleaning",
    interval_shots: 1000,
  });
  await post(request, token, `/api/v1/tools/${tool.id}/shots`, { count: 950 });
  await startDowntime(request, token, machine.id);

  // A manager starts on the dashboard.
  await logIn(page, manager);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();

  const downtime = page.getByTestId("open-downtime").filter({ hasText: machine.code });
  await expect(downtime).toContainText(`${machine.code} — ${machine.name}`);
  await expect(downtime).toContainText(line.code);
  await expect(downtime).toContainText("Reason not given yet");
  await expect(downtime.getByTestId("down-for")).toBeVisible();

  const plan = page.getByTestId("attention-plan").filter({ hasText: planName });
  await expect(plan).toContainText("Due soon");
  await expect(plan).toContainText("50 shots left");
  await expect(plan.getByRole("link", { name: `${asset} — Dashboard mould` })).toBeVisible();

  const row = page.locator(`[data-testid=line-availability] tr[data-line="${line.code}"]`);
  await expect(row).toBeVisible();
  // The machine is down right now: the line was not fully available today.
  await expect(row.locator("td").nth(1)).toHaveText(/%$/);
  await expect(page.getByTestId("availability-chart").locator("canvas")).toBeVisible();

  // Following the downtime opens the machine.
  await downtime.getByRole("link").click();
  await expect(page.getByRole("heading", { name: `${machine.code} — ${machine.name}`, level: 1 })).toBeVisible();
});

test("an operator starts on the welcome page and can open the dashboard", async ({ page, request }) => {
  const operator = await createUser(request, "operator");
  await logIn(page, operator);
  await expect(page.getByRole("heading", { name: /^Welcome/ })).toBeVisible();
  await page.getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
});
