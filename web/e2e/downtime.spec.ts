import { expect, test } from "@playwright/test";
import { createPlant, createUser, logIn, post, startDowntime } from "./helpers";

test.use({ colorScheme: "light" });

test("an operator stops a machine, runs it again and picks the reason; the history shows it", async ({
  page,
  request,
}) => {
  const { token, line, machine } = await createPlant(request);
  const operator = await createUser(request, "operator", token);

  await logIn(page, operator);
  await page.getByRole("link", { name: "Plant" }).first().click();
  await page
    .getByTestId("line-card")
    .filter({ hasText: line.code })
    .getByRole("link", { name: new RegExp(machine.code) })
    .click();
  await expect(page.getByTestId("machine-status")).toHaveText("Operational");
  await expect(page.getByRole("button", { name: "Machine running again" })).toHaveCount(0);

  await page.getByRole("button", { name: "Machine stopped" }).click();
  await expect(page.getByTestId("machine-status")).toHaveText("Down");
  await expect(page.getByTestId("current-downtime")).toContainText(/Down for \d+ min/);
  await expect(page.getByTestId("history-downtime").first()).toContainText("ongoing");

  await page.getByRole("button", { name: "Machine running again" }).click();
  const picker = page.getByTestId("reason-picker");
  await expect(picker.getByRole("heading", { name: "Why did the machine stop?" })).toBeVisible();
  const group = picker.getByRole("button", { name: "Machine breakdown" });
  // Big enough for a gloved finger.
  expect((await group.boundingBox())!.height).toBeGreaterThanOrEqual(48);
  await group.click();
  await expect(picker.getByRole("heading", { name: "Machine breakdown" })).toBeVisible();
  await picker.getByRole("button", { name: "Hydraulic (leak, pressure, pump)" }).click();

  await expect(page.getByRole("status")).toHaveText(
    "Reason saved: Machine breakdown › Hydraulic (leak, pressure, pump)",
  );
  await expect(picker).toHaveCount(0);
  await expect(page.getByTestId("machine-status")).toHaveText("Operational");
  await expect(page.getByTestId("current-downtime")).toHaveCount(0);
  const entry = page.getByTestId("history-downtime").first();
  await expect(entry.getByTestId("downtime-reason")).toHaveText(
    "Reason: Machine breakdown › Hydraulic (leak, pressure, pump)",
  );
  await expect(entry).not.toContainText("ongoing");
  await expect(page.getByTestId("kpi-failures")).toHaveText("1");
  await expect(page.getByRole("button", { name: "Machine stopped" })).toBeVisible();
});

test("a stop already recorded elsewhere is explained, and the page offers to end it", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const operator = await createUser(request, "operator", token);
  await logIn(page, operator, `/plant/machines/${machine.id}`);
  await expect(page.getByRole("button", { name: "Machine stopped" })).toBeVisible();

  // Someone at another terminal records the stop first.
  await startDowntime(request, token, machine.id);
  await page.getByRole("button", { name: "Machine stopped" }).click();
  await expect(page.getByRole("alert")).toHaveText("This machine already has an ongoing downtime. End that one first.");
  await expect(page.getByTestId("machine-status")).toHaveText("Down");
  await expect(page.getByRole("button", { name: "Machine running again" })).toBeVisible();
});

test("a reason left for later can be given from the history", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const operator = await createUser(request, "operator", token);
  const now = Date.now();
  await post(request, token, "/api/v1/downtimes", {
    machine_id: machine.id,
    start_datetime: new Date(now - 90 * 60_000).toISOString(),
    end_datetime: new Date(now - 60 * 60_000).toISOString(),
  });

  await logIn(page, operator, `/plant/machines/${machine.id}`);
  const entry = page.getByTestId("history-downtime");
  await expect(entry).toContainText("30 min");
  await expect(entry.getByTestId("downtime-reason")).toHaveText("Reason: No reason given");
  await entry.getByRole("button", { name: "Give the reason" }).click();
  // A group without children is a reason itself.
  await page.getByTestId("reason-picker").getByRole("button", { name: "No operator" }).click();
  await expect(entry.getByTestId("downtime-reason")).toHaveText("Reason: No operator");
  await expect(entry.getByRole("button", { name: "Give the reason" })).toHaveCount(0);
});

test("a viewer sees the machine but no buttons to record stops", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const viewer = await createUser(request, "viewer", token);
  await startDowntime(request, token, machine.id);
  await logIn(page, viewer, `/plant/machines/${machine.id}`);
  await expect(page.getByTestId("machine-status")).toHaveText("Down");
  await expect(page.getByTestId("history-downtime")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Machine running again" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Give the reason" })).toHaveCount(0);
});
