import path from "node:path";
import { expect, test } from "@playwright/test";
import { adminToken, createUser, logIn, post, unique } from "./helpers";
import { writeQrVideo } from "./qr";

// The fake camera plays this file. The path is fixed before the browser starts (the data
// directory is shared by the runner and its workers); its content is written by each test
// before the camera opens, and Chromium reads the file again each time a camera is opened.
const video = path.join(process.env.HOM_E2E_DATA_DIR ?? "/tmp", "fake-camera.y4m");
writeQrVideo(video, "https://example.com/not-hom");

test.use({
  colorScheme: "light",
  permissions: ["camera"],
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
  },
});

test("scanning a tool's label with the camera opens the tool; another site's code is shown, not opened", async ({
  page,
  request,
  baseURL,
}) => {
  const token = await adminToken(request);
  const operator = await createUser(request, "operator", token);
  const asset = unique("MLD");
  const tool = await post<{ id: string }>(request, token, "/api/v1/tools", {
    asset_number: asset,
    name: "Scanned mould",
    cavity_count: 1,
  });

  await logIn(page, operator);
  writeQrVideo(video, "https://example.com/not-hom");
  await page.getByRole("link", { name: "Scan" }).click();
  await expect(page.getByRole("heading", { name: "Scan a HOM label", level: 1 })).toBeVisible();
  await expect(page.getByTestId("scanned-text")).toHaveText("https://example.com/not-hom");
  await expect(page).toHaveURL(/\/scan$/);

  writeQrVideo(video, `${baseURL}/tools/${tool.id}`);
  await page.getByRole("button", { name: "Scan again" }).click();
  await expect(page).toHaveURL(new RegExp(`/tools/${tool.id}$`));
  await expect(page.getByRole("heading", { name: `${asset} — Scanned mould`, level: 1 })).toBeVisible();
});
