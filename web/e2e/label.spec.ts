import { expect, test } from "@playwright/test";
import { createPlant, logIn, post, unique, ADMIN } from "./helpers";
import { decodeQrOnPage } from "./qr";

// The test reads the label with a script of its own (jsQR), which the app's CSP would refuse.
test.use({ colorScheme: "dark", bypassCSP: true });

test("machine and tool labels carry a QR code that decodes to the page's address", async ({
  page,
  request,
  baseURL,
}) => {
  const { token, machine } = await createPlant(request);
  const asset = unique("MLD");
  const tool = await post<{ id: string }>(request, token, "/api/v1/tools", {
    asset_number: asset,
    name: "Labelled mould",
    cavity_count: 2,
  });

  await logIn(page, ADMIN, `/plant/machines/${machine.id}`);
  await page.getByRole("button", { name: "Label" }).click();
  const label = page.getByRole("dialog", { name: "Label" });
  await expect(label.getByTestId("label-code")).toHaveText(machine.code);
  await expect(label).toContainText(machine.name);
  expect(await decodeQrOnPage(page)).toBe(`${baseURL}/plant/machines/${machine.id}`);
  await label.getByRole("button", { name: "Close" }).click();
  await expect(label).toHaveCount(0);

  await page.goto(`/tools/${tool.id}`);
  await page.getByRole("button", { name: "Label" }).click();
  await expect(page.getByTestId("label-code")).toHaveText(asset);
  expect(await decodeQrOnPage(page)).toBe(`${baseURL}/tools/${tool.id}`);
  // Printing shows the label alone.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("heading", { name: `${asset} — Labelled mould` })).toBeHidden();
  await expect(page.getByTestId("label")).toBeVisible();
});
