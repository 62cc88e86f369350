import { expect, test } from "@playwright/test";
import { type Page } from "@playwright/test";
import sharp from "sharp";
import { ADMIN, adminToken, createPlant, createUser, logIn, post, unique } from "./helpers";

test.use({ colorScheme: "light" });

/** A small checklist with one step of each kind. */
async function setUp(request: Parameters<typeof adminToken>[0]) {
  const token = await adminToken(request);
  const technician = await createUser(request, "technician", token);
  const tool = await post<{ id: string; asset_number: string }>(request, token, "/api/v1/tools", {
    asset_number: unique("INS"),
    name: "Inspected mould",
    cavity_count: 4,
  });
  const checklist = unique("Checklist");
  await post(request, token, "/api/v1/checklist-templates", {
    name: checklist,
    applies_to: "tool",
    steps: [
      { id: "ejectors", text: "Ejector pins clean and free", kind: "check", required: true },
      { id: "parting-line", text: "Parting line undamaged", kind: "pass_fail", required: true },
      {
        id: "cooling-delta-t",
        text: "Cooling water ΔT in – out",
        kind: "number",
        required: true,
        unit: "°C",
        min: 0,
        max: 5,
        guidance: "Measure at full flow after ten minutes.",
      },
      { id: "remarks", text: "Wear to watch at the next run", kind: "text", required: false },
      { id: "photo", text: "Photo of the cavity side", kind: "photo", required: false },
    ],
  });
  return { technician, tool, checklist };
}

test("a technician runs an inspection step by step, completes it and signs it", async ({ page, request }) => {
  const { technician, tool, checklist } = await setUp(request);

  await logIn(page, technician, `/tools/${tool.id}`);
  const start = page.getByTestId("start-inspection");
  await start.getByLabel("Checklist").selectOption({ label: checklist });
  await expect(start.getByLabel("Kind")).toHaveValue("post_run_inspection");
  await start.getByRole("button", { name: "Start inspection" }).click();

  await expect(page.getByRole("heading", { name: `Post-run inspection — ${checklist}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("log-status")).toHaveText("Draft");
  const chips = page.getByTestId("step-chip");
  await expect(chips).toHaveCount(5);
  const step = page.getByTestId("step");
  await expect(step).toContainText("Step 1 of 5");

  // Completing with nothing answered: the server's list of missing required steps, at the steps.
  await page.getByRole("button", { name: "Finish", exact: true }).click();
  await page.getByRole("button", { name: "Complete" }).click();
  const missing = page.getByTestId("missing-steps");
  await expect(missing).toContainText("These required steps have no answer yet:");
  await expect(missing.getByRole("button")).toHaveText([
    "Step 1: Ejector pins clean and free",
    "Step 2: Parting line undamaged",
    "Step 3: Cooling water ΔT in – out",
  ]);
  await expect(chips.nth(0)).toHaveAttribute("data-state", "missing");
  await expect(chips.nth(3)).toHaveAttribute("data-state", "open");
  await missing.getByRole("button", { name: /Step 1/ }).click();
  await expect(step.getByTestId("step-missing")).toHaveText("Required: this step needs an answer.");

  // Step 1: a check, one large tap.
  await step.getByRole("button", { name: "Mark as done" }).click();
  await expect(step.getByRole("button", { name: "Done" })).toHaveAttribute("aria-pressed", "true");
  await expect(step.getByTestId("step-missing")).toHaveCount(0);
  await expect(missing.getByRole("button")).toHaveCount(2);
  await step.getByRole("button", { name: /Next/ }).click();

  // Step 2: pass or fail.
  await expect(step).toContainText("Parting line undamaged");
  await step.getByRole("button", { name: "Pass" }).click();
  await expect(step.getByRole("button", { name: "Pass" })).toHaveAttribute("aria-pressed", "true");
  await step.getByRole("button", { name: /Next/ }).click();

  // Step 3: a number with limits; outside them it turns red, with the unit.
  await expect(step).toContainText("Measure at full flow after ten minutes.");
  await expect(step).toContainText("Limits: 0 – 5 °C");
  const value = step.getByLabel("Measured value (°C)");
  await value.fill("3,5");
  await expect(value).not.toHaveAttribute("aria-invalid");
  await expect(step.getByTestId("limit-warning")).toHaveCount(0);
  await value.fill("7");
  await expect(value).toHaveAttribute("aria-invalid", "true");
  // Tailwind red-700 text on red-50.
  await expect(value).toHaveCSS("color", "oklch(0.505 0.213 27.518)");
  await expect(step.getByTestId("limit-warning")).toHaveText("Outside the limits (0 – 5 °C)");
  await expect(chips.nth(2)).toHaveAttribute("data-state", "failed");
  await step.getByRole("button", { name: /Next/ }).click();

  await step.getByLabel("Answer").fill("Slight wear at gate 2");
  await step.getByRole("button", { name: /Next/ }).click();

  // Step 5: the camera; the photo goes to the log at once and becomes the step's answer.
  const photo = step.getByLabel("Take a photo");
  await expect(photo).toHaveAttribute("accept", "image/*");
  await expect(photo).toHaveAttribute("capture", "environment");
  await photo.setInputFiles({
    name: "cavity.jpg",
    mimeType: "image/jpeg",
    buffer: await sharp({ create: { width: 640, height: 480, channels: 3, background: "#6b7280" } })
      .jpeg()
      .toBuffer(),
  });
  await expect(step.getByTestId("step-photo")).toContainText("Photo taken: cavity.jpg");
  await expect(step.getByTestId("step-photo").locator("img")).toBeVisible();
  await step.getByRole("button", { name: /Finish/ }).click();

  await page.getByLabel("Observations").fill("Cooling circuit 2 needs flushing");
  await page.getByRole("button", { name: "Complete" }).click();
  await expect(page.getByTestId("log-status")).toHaveText("Completed");
  await expect(page.getByText("Completed. Sign it to close it.")).toBeVisible();
  await expect(page.getByTestId("missing-steps")).toHaveCount(0);
  // The failed measurement asks for a follow-up.
  await expect(page.getByTestId("follow-ups")).toContainText("Cooling water ΔT in – out");

  // Sign: a wrong password is said plainly and signs nothing; the right one signs.
  const sign = page.getByTestId("sign-panel");
  await sign.getByLabel("Your password").fill("not-my-password");
  await sign.getByRole("button", { name: "Sign" }).click();
  await expect(sign.getByRole("alert")).toHaveText("Wrong password. The log was not signed.");
  await expect(sign.getByTestId("field-error")).toHaveText("This is not your password.");
  await expect(sign.getByLabel("Your password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("log-status")).toHaveText("Completed");
  // Still signed in: a wrong sign-off password is not an ended session.
  await expect(page.getByTestId("user-name")).toBeVisible();

  await sign.getByLabel("Your password").fill(technician.password);
  await sign.getByRole("button", { name: "Sign" }).click();
  await expect(page.getByTestId("log-status")).toHaveText("Signed");
  await expect(page.getByTestId("sign-panel")).toHaveCount(0);
  const steps = page.getByTestId("read-only-steps");
  await expect(steps).toContainText("7 °C");
  await expect(steps).toContainText("Slight wear at gate 2");
  await expect(steps.getByText("Not done")).toHaveCount(0);
  await expect(steps).toContainText("Photo taken (see Photos)");
  // The photo is in the log's gallery too.
  await expect(page.getByTestId("photo-gallery").getByTestId("photo-thumb")).toHaveCount(1);

  // The tool's history lists the signed log, which opens it again.
  await page.getByRole("link", { name: tool.asset_number }).click();
  const entry = page.getByTestId("history-log");
  await expect(entry).toContainText(`Post-run inspection — ${checklist}`);
  await expect(entry).toContainText("Signed");
  await entry.getByRole("link").click();
  await expect(page.getByTestId("log-status")).toHaveText("Signed");
});

test("a draft keeps its answers when the page is opened again", async ({ page, request }) => {
  const { technician, tool, checklist } = await setUp(request);
  await logIn(page, technician, `/tools/${tool.id}`);
  await page.getByTestId("start-inspection").getByLabel("Checklist").selectOption({ label: checklist });
  await page.getByRole("button", { name: "Start inspection" }).click();
  const step = page.getByTestId("step");
  await step.getByRole("button", { name: "Mark as done" }).click();
  await step.getByRole("button", { name: /Next/ }).click();
  await step.getByRole("button", { name: "Fail" }).click();
  await step.getByRole("button", { name: /Next/ }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  await page.reload();
  await expect(page.getByTestId("step-chip").nth(0)).toHaveAttribute("data-state", "done");
  await expect(page.getByTestId("step-chip").nth(1)).toHaveAttribute("data-state", "failed");
});

async function expectTabletFit(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
  const heights = await page
    .locator("main button:visible, main a:visible, nav a:visible")
    .evaluateAll((els) => els.map((el) => ({ text: el.textContent, height: el.getBoundingClientRect().height })));
  for (const target of heights) expect(target.height, target.text ?? "").toBeGreaterThanOrEqual(48);
}

test("at 768×1024 the tool page and an inspection step fit, with 48 px targets, in Russian too", async ({
  page,
  request,
}) => {
  const { token, machine } = await createPlant(request);
  const { tool, checklist } = await setUp(request);
  await post(request, token, `/api/v1/tools/${tool.id}/maintenance-plans`, {
    name: "Full cleaning of the cooling channels and the hot runner",
    activity: "cleaning",
    interval_shots: 100_000,
    interval_days: 30,
  });
  await post(request, token, `/api/v1/tools/${tool.id}/mount`, { machine_id: machine.id });
  await post(request, token, `/api/v1/tools/${tool.id}/shots`, { count: 123_456 });

  await page.setViewportSize({ width: 768, height: 1024 });
  await logIn(page, ADMIN, `/tools/${tool.id}`);
  await expect(page.getByTestId("plan-status")).toHaveText("⚠ Overdue");
  await expect(page.getByTestId("tool-machine")).toContainText(machine.code);
  await expectTabletFit(page);

  await page.getByTestId("start-inspection").getByLabel("Checklist").selectOption({ label: checklist });
  await page.getByRole("button", { name: "Start inspection" }).click();
  await expect(page.getByTestId("step")).toBeVisible();
  await page.getByRole("radio", { name: "Русский" }).check();
  await expect(page.getByTestId("step")).toContainText("Шаг 1 из 5");
  await expectTabletFit(page);
  await page.getByRole("button", { name: /Шаг 3/ }).click();
  await page.getByTestId("number-input").fill("12");
  await expect(page.getByTestId("limit-warning")).toHaveText("Вне пределов (0 – 5 °C)");
  await expectTabletFit(page);
  await page.getByRole("radio", { name: "English" }).check();
});
