import { expect, test, type Page } from "@playwright/test";
import { ADMIN, createPlant, logIn, post, startDowntime } from "./helpers";

test.use({ colorScheme: "light" });

test("switching to Polish and Russian translates the screens, formats numbers and is remembered", async ({
  page,
  request,
}) => {
  const { token, machine } = await createPlant(request);
  await startDowntime(request, token, machine.id);
  await logIn(page, ADMIN, `/plant/machines/${machine.id}`);
  await expect(page.getByTestId("machine-status")).toHaveText("Down");
  await expect(page.getByRole("heading", { name: "Last 30 days" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");

  await page.getByRole("radio", { name: "Polski" }).check();
  await expect(page.locator("html")).toHaveAttribute("lang", "pl");
  await expect(
    page.getByRole("navigation", { name: "Menu główne" }).getByRole("link", { name: "Zakład" }),
  ).toBeVisible();
  await expect(page.getByTestId("machine-status")).toHaveText("Postój");
  await expect(page.getByRole("heading", { name: "Ostatnie 30 dni" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Maszyna znów pracuje" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Wyloguj" })).toBeVisible();
  await expect(page.getByTestId("current-downtime")).toContainText(/Postój trwa \d+ min/);
  // Numbers follow the language: a decimal comma.
  await expect(page.getByTestId("kpi-availability")).toHaveText(/^\d+,\d%$/);
  expect(await page.evaluate(() => localStorage.getItem("hom.language"))).toBe("pl");

  await page.getByRole("radio", { name: "Русский" }).check();
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await expect(
    page.getByRole("navigation", { name: "Главное меню" }).getByRole("link", { name: "Завод" }),
  ).toBeVisible();
  await expect(page.getByTestId("machine-status")).toHaveText("Простой");
  await expect(page.getByRole("heading", { name: "Последние 30 дней" })).toBeVisible();
  // The seeded reasons are shown in the chosen language too.
  await page.getByRole("button", { name: "Машина снова работает" }).click();
  await expect(page.getByRole("button", { name: "Поломка машины" })).toBeVisible();
  await page.getByRole("button", { name: "Решить позже" }).click();

  // Remembered on this device, also on the login page.
  await page.reload();
  await expect(page.getByTestId("machine-status")).toHaveText("Работает");
  await page.getByRole("button", { name: "Выйти" }).click();
  await expect(page.getByRole("heading", { name: "Вход в HOM" })).toBeVisible();
  await expect(page.getByLabel("Имя пользователя")).toBeVisible();

  await page.getByRole("radio", { name: "English" }).check();
  await expect(page.getByRole("heading", { name: "Log in to HOM" })).toBeVisible();
});

async function expectNoSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
}

/** Every visible button and link of the main area is a touch target of at least 48 px. */
async function expectTouchTargets(page: Page) {
  const heights = await page
    .locator("main button:visible, main a:visible, header button:visible, nav a:visible")
    .evaluateAll((els) => els.map((el) => ({ text: el.textContent, height: el.getBoundingClientRect().height })));
  expect(heights.length).toBeGreaterThan(0);
  for (const target of heights) expect(target.height, target.text ?? "").toBeGreaterThanOrEqual(48);
}

test("at 768×1024 the machine page does not scroll sideways, in every state and language", async ({
  page,
  request,
}) => {
  const { token, machine } = await createPlant(request);
  const now = Date.now();
  for (let i = 1; i <= 3; i++) {
    await post(request, token, "/api/v1/downtimes", {
      machine_id: machine.id,
      start_datetime: new Date(now - i * 3 * 60 * 60_000).toISOString(),
      end_datetime: new Date(now - i * 3 * 60 * 60_000 + 47 * 60_000).toISOString(),
      note: "Operator note: the mould temperature alarm came on twice before the stop.",
    });
  }
  await post(request, token, "/api/v1/repairs", {
    machine_id: machine.id,
    title: "Replaced the hydraulic pressure sensor on the clamp unit and recalibrated the platen",
    start_datetime: new Date(now - 5 * 60 * 60_000).toISOString(),
    cause: "Sensor cable chafed through at the moving platen",
    actions_taken: "Replaced sensor, rerouted cable through the drag chain, recalibrated",
    parts_used: "Pressure sensor 0–250 bar, cable 5 m",
    cost: 412.3,
  });
  await startDowntime(request, token, machine.id);

  await page.setViewportSize({ width: 768, height: 1024 });
  await logIn(page, ADMIN, `/plant/machines/${machine.id}`);
  await expect(page.getByTestId("history-downtime")).toHaveCount(4);
  await expect(page.getByTestId("history-repair")).toHaveCount(1);
  await expectNoSidewaysScroll(page);
  await expectTouchTargets(page);

  // With the reason picker open …
  await page.getByRole("button", { name: "Machine running again" }).click();
  await page.getByRole("button", { name: "Machine breakdown" }).click();
  await expect(page.getByRole("button", { name: "Robot or conveyor" })).toBeVisible();
  await expectNoSidewaysScroll(page);
  await expectTouchTargets(page);
  await page.getByRole("button", { name: "Robot or conveyor" }).click();

  // … and the repair form, in the longest language.
  await page.getByRole("radio", { name: "Русский" }).check();
  await page.getByRole("button", { name: "Записать ремонт" }).click();
  await expect(page.getByTestId("repair-form")).toBeVisible();
  await expectNoSidewaysScroll(page);
  await expectTouchTargets(page);

  // The plant overview and the line page as well.
  await page.goto("/plant");
  await expect(page.getByTestId("line-card").first()).toBeVisible();
  await expectNoSidewaysScroll(page);
  await expectTouchTargets(page);
});
