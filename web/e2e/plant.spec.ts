import { expect, test } from "@playwright/test";
import { ADMIN, createPlant, logIn, post, startDowntime } from "./helpers";

test.use({ colorScheme: "light" });

test("the plant lists lines with their machines; a line shows machines and KPIs; a machine its figures", async ({
  page,
  request,
}) => {
  const { token, line, machine } = await createPlant(request);
  await startDowntime(request, token, machine.id);

  await logIn(page, ADMIN);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Plant" }).click();
  await expect(page.getByRole("heading", { name: "Plant", level: 1 })).toBeVisible();
  const card = page.getByTestId("line-card").filter({ hasText: line.code });
  await expect(card).toContainText("Machines: 1");
  await expect(card.getByRole("link", { name: new RegExp(machine.code) })).toContainText("Down");

  await card.getByRole("link", { name: `${line.code} — ${line.name}` }).click();
  await expect(page.getByRole("heading", { name: `${line.code} — ${line.name}`, level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Last 30 days" })).toBeVisible();
  await expect(page.getByTestId("kpi-failures")).toHaveText("1");
  await expect(page.getByRole("link", { name: new RegExp(machine.code) })).toContainText(/Down for \d+ min/);

  await page.getByRole("link", { name: new RegExp(machine.code) }).click();
  await expect(page.getByRole("heading", { name: `${machine.code} — ${machine.name}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("machine-status")).toHaveText("Down");
  await expect(page.getByTestId("current-downtime")).toContainText(/Down for \d+ min/);
  await expect(page.getByTestId("kpi-availability")).toHaveText(/^\d+(\.\d)?%$/);
  await expect(page.getByTestId("history-downtime")).toHaveCount(1);
  await expect(page.getByTestId("history-downtime")).toContainText("No reason given");
  // The breadcrumb leads back to the line.
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: line.code }).click();
  await expect(page).toHaveURL(new RegExp(`/plant/lines/${line.id}$`));
});

test("the machine history merges downtimes and repairs newest first and loads more", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const hour = 60 * 60_000;
  const now = Date.now();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * hour).toISOString();
  // Twelve stops, every two hours, and three repairs in between: more than one page of stops.
  for (let i = 1; i <= 12; i++) {
    await post(request, token, "/api/v1/downtimes", {
      machine_id: machine.id,
      start_datetime: at(2 * i),
      end_datetime: at(2 * i - 0.5),
    });
  }
  for (const hoursAgo of [3, 13, 23]) {
    await post(request, token, "/api/v1/repairs", {
      machine_id: machine.id,
      title: `Repair ${hoursAgo} h ago`,
      start_datetime: at(hoursAgo),
    });
  }

  await logIn(page, ADMIN, `/plant/machines/${machine.id}`);
  const history = page.getByTestId("history");
  const entries = history.locator(":scope > li");
  // The first page holds ten stops (back to 20 h ago) and the repairs within that time.
  await expect(entries).toHaveCount(12);
  await expect(history.getByTestId("history-repair")).toHaveCount(2);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(entries).toHaveCount(15);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);

  const times = await history
    .locator(":scope > li time")
    .evaluateAll((els) => els.map((e) => e.getAttribute("datetime")!));
  expect(times).toHaveLength(15);
  expect([...times].sort().reverse()).toEqual(times);
  await expect(entries.first()).toContainText("Stop");
  await expect(entries.nth(1)).toContainText("Repair 3 h ago");
});
