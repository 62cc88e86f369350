/**
 * Screenshots of the key screens at tablet (768 px) and desktop (1280 px) widths, light and
 * dark, saved to web/e2e/screenshots/ (CI keeps them as artifacts; git ignores them). Each
 * screen is also checked for sideways scrolling at both widths.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Page } from "@playwright/test";
import sharp from "sharp";
import { ADMIN, createPlant, logIn, post, startDowntime, unique } from "./helpers";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "screenshots");
const WIDTHS = [768, 1280] as const;

for (const theme of ["light", "dark"] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    test(`key screens at 768 and 1280 px, ${theme}`, async ({ page, request }) => {
      test.setTimeout(120_000);
      mkdirSync(dir, { recursive: true });
      const { token, line, machine } = await createPlant(request);
      await startDowntime(request, token, machine.id);
      const tool = await post<{ id: string }>(request, token, "/api/v1/tools", {
        asset_number: unique("SHOT"),
        name: "Housing 4-cavity",
        cavity_count: 4,
        rated_life_shots: 1_000_000,
        lifetime_shots: 912_000,
        location: "Rack A3",
      });
      await post(request, token, `/api/v1/tools/${tool.id}/maintenance-plans`, {
        name: "Vent cleaning",
        activity: "cleaning",
        interval_shots: 50_000,
        last_done_shots: 865_000,
      });
      const template = await post<{ id: string }>(request, token, "/api/v1/checklist-templates", {
        name: unique("Post-run check"),
        applies_to: "tool",
        steps: [
          { id: "ejectors", text: "Ejector pins clean and free", kind: "check", required: true },
          {
            id: "delta-t",
            text: "Cooling water ΔT in – out",
            kind: "number",
            required: true,
            unit: "°C",
            min: 0,
            max: 5,
            guidance: "Measure at full flow after ten minutes.",
          },
        ],
      });
      const log = await post<{ id: string }>(request, token, "/api/v1/maintenance-logs", {
        tool_id: tool.id,
        template_id: template.id,
        kind: "post_run_inspection",
      });

      // A failure with an annotated photo and an action on the board.
      const codes = await page.request.get("/api/v1/failure-codes?q=flash", {
        headers: { authorization: `Bearer ${token}` },
      });
      const failure = await post<{ id: string }>(request, token, "/api/v1/failure-reports", {
        tool_id: tool.id,
        failure_code_id: ((await codes.json()) as { items: { id: string }[] }).items[0].id,
        severity: "high",
        description: "Flash along the parting line on cavities 2 and 3.",
      });
      const upload = await request.post("/api/v1/photos", {
        headers: { authorization: `Bearer ${token}` },
        multipart: {
          entity_type: "failure_report",
          entity_id: failure.id,
          file: {
            name: "flash.jpg",
            mimeType: "image/jpeg",
            buffer: await sharp({ create: { width: 1200, height: 900, channels: 3, background: "#8a939c" } })
              .jpeg()
              .toBuffer(),
          },
        },
      });
      const photo = (await upload.json()) as { id: string };
      await request.put(`/api/v1/photos/${photo.id}/annotations`, {
        headers: { authorization: `Bearer ${token}` },
        data: {
          shapes: [
            { kind: "arrow", x1: 0.15, y1: 0.2, x2: 0.45, y2: 0.5 },
            { kind: "circle", x: 0.55, y: 0.6, r: 0.1 },
            { kind: "text", x: 0.1, y: 0.9, text: "Flash" },
          ],
        },
      });
      await post(request, token, "/api/v1/actions", {
        title: "Clean and polish the parting line",
        failure_report_id: failure.id,
        priority: "high",
      });

      await logIn(page, ADMIN);
      const screens: { name: string; path: string; ready: (page: Page) => Promise<void> }[] = [
        {
          name: "dashboard",
          path: "/",
          ready: async (p) => {
            await expect(p.getByTestId("open-downtime").first()).toBeVisible();
            await expect(p.getByTestId("line-availability")).toBeVisible();
            await expect(p.getByTestId("availability-chart").locator("canvas")).toBeVisible();
          },
        },
        { name: "plant", path: "/plant", ready: (p) => expect(p.getByText(machine.code).first()).toBeVisible() },
        {
          name: "machine",
          path: `/plant/machines/${machine.id}`,
          ready: (p) => expect(p.getByTestId("current-downtime")).toBeVisible(),
        },
        { name: "tool", path: `/tools/${tool.id}`, ready: (p) => expect(p.getByTestId("plan")).toBeVisible() },
        {
          name: "inspection-step",
          path: `/inspections/${log.id}`,
          ready: async (p) => {
            await p.getByTestId("step-chip").nth(1).click();
            await p.getByRole("textbox").first().fill("7,5");
            await expect(p.getByTestId("step")).toContainText("Outside the limits");
          },
        },
        {
          name: "failure",
          path: `/failures/${failure.id}`,
          ready: (p) => expect(p.getByTestId("photo-thumb").locator("img")).toBeVisible(),
        },
        {
          name: "failure-report",
          path: `/failures/new?tool=${tool.id}`,
          ready: (p) => expect(p.getByRole("radio").first()).toBeVisible(),
        },
        {
          name: "annotation-editor",
          path: `/failures/${failure.id}`,
          ready: async (p) => {
            await p.getByTestId("photo-thumb").click();
            await p.getByTestId("annotate").click();
            await expect(p.getByTestId("annotation-canvas")).toBeVisible();
          },
        },
        {
          name: "actions-board",
          path: "/actions?view=board",
          ready: (p) => expect(p.getByTestId("action-card").first()).toBeVisible(),
        },
        {
          name: "analytics-series",
          path: `/analytics?tab=series&line=${line.id}`,
          ready: async (p) => {
            await expect(p.getByTestId("series-chart").locator("canvas").first()).toBeVisible();
            await expect(p.getByTestId("reports-panel")).toBeVisible();
          },
        },
        {
          name: "analytics-pareto",
          path: `/analytics?tab=pareto&line=${line.id}`,
          ready: (p) => expect(p.getByTestId("pareto-row").first()).toBeVisible(),
        },
        {
          name: "admin-settings",
          path: "/admin/settings",
          ready: (p) => expect(p.getByTestId("settings-form")).toBeVisible(),
        },
        { name: "account", path: "/account", ready: (p) => expect(p.getByTestId("session").first()).toBeVisible() },
        {
          name: "admin-users",
          path: "/admin/users",
          ready: (p) => expect(p.getByTestId("user-row").first()).toBeVisible(),
        },
      ];
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: width === 768 ? 1024 : 800 });
        for (const screen of screens) {
          await page.goto(screen.path);
          await screen.ready(page);
          const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
          expect(sideways, `${screen.name} at ${width} px scrolls sideways`).toBe(false);
          await page.screenshot({ path: path.join(dir, `${screen.name}-${width}-${theme}.png`), fullPage: true });
        }
      }
    });
  });
}
