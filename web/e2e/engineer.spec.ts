import { expect, test } from "@playwright/test";
import { createPlant, createUser, logIn, unique } from "./helpers";

test.use({ colorScheme: "light" });

test("an engineer creates a line and a machine on it, with field errors from the server", async ({ page, request }) => {
  const { token, line: existing } = await createPlant(request);
  const engineer = await createUser(request, "engineer", token);
  const code = unique("LINE");

  await logIn(page, engineer);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New line" }).click();
  await expect(page.getByRole("heading", { name: "New line", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New line" })).toHaveAttribute(
    "aria-current",
    "page",
  );

  const create = page.getByRole("button", { name: "Create line" });
  await create.click();
  await expect(page.getByRole("alert")).toHaveText("Some fields need attention.");
  await expect(page.getByTestId("field-error")).toHaveText(["Required.", "Required."]);

  await page.getByLabel("Code").fill("BAD CODE");
  await page.getByLabel("Name").fill("Moulding hall B");
  await create.click();
  await expect(page.getByTestId("field-error")).toHaveText("Use letters, digits and . _ / - only.");

  await page.getByLabel("Code").fill(existing.code);
  await create.click();
  await expect(page.getByTestId("field-error")).toHaveText("Already in use.");
  await expect(page.getByLabel("Code")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Code").fill(code);
  await page.getByLabel("Description").fill("Six presses, 80–250 t");
  await create.click();
  await expect(page.getByRole("heading", { name: `${code} — Moulding hall B`, level: 1 })).toBeVisible();
  await expect(page.getByText("Six presses, 80–250 t")).toBeVisible();
  await expect(page.getByText("No machines on this line yet.")).toBeVisible();

  await page.getByRole("link", { name: "Add machine" }).click();
  await expect(page.getByRole("heading", { name: `New machine on ${code} — Moulding hall B` })).toBeVisible();
  const machineCode = unique("IMM");
  await page.getByLabel("Code").fill(machineCode);
  await page.getByLabel("Name").fill("Press 120 t");
  await page.getByLabel("Manufacturer").fill("Engel");
  await page.getByLabel("Model").fill("victory 120");
  await page.getByRole("button", { name: "Add machine" }).click();

  await expect(page.getByRole("heading", { name: `${machineCode} — Press 120 t`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("machine-status")).toHaveText("Operational");
  await expect(page.getByText("Engel")).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Plant" }).click();
  const card = page.getByTestId("line-card").filter({ hasText: code });
  await expect(card).toContainText("Machines: 1");
  await expect(card.getByRole("link", { name: new RegExp(machineCode) })).toBeVisible();
});

test("a technician gets no way to create lines or machines", async ({ page, request }) => {
  const { token, line } = await createPlant(request);
  const technician = await createUser(request, "technician", token);
  await logIn(page, technician, "/plant");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Plant" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "New line" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "New line" })).toHaveCount(0);
  await page.getByRole("link", { name: `${line.code} — ${line.name}` }).click();
  await expect(page.getByRole("heading", { name: `${line.code} — ${line.name}`, level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Add machine" })).toHaveCount(0);
});
