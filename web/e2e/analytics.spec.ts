/**
 * The analytics pages against real figures: a line with one machine and, on one past UTC day, two
 * downtimes of 144 and 36 minutes with reasons of their own and a failure report with a code of its
 * own. That day's availability is (1440 − 180) ÷ 1440 = 87.5 %; the Pareto's top reason is the
 * 144-minute one. Drill-downs land on the filtered lists, a CSV export carries the table's rows,
 * and a viewer (no exports:read) sees the figures without export buttons or reports.
 */
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { ADMIN, adminToken, createPlant, createUser, logIn, post, unique, type Named } from "./helpers";

test.use({ colorScheme: "light" });

const DAY_MS = 86_400_000;
/** A whole UTC day three days ago: in the past, so the figures do not move while the test runs. */
const day = new Date(Date.now() - 3 * DAY_MS).toISOString().slice(0, 10);
const at = (time: string) => `${day}T${time}:00.000Z`;

interface Seeded {
  token: string;
  line: Named;
  machine: Named;
  big: Named;
  small: Named;
  code: Named;
  failureId: string;
}

async function seed(request: APIRequestContext): Promise<Seeded> {
  const { token, line, machine } = await createPlant(request);
  const reason = async (label: string) => {
    const code = unique(label);
    return post<Named>(request, token, "/api/v1/downtime-reasons", {
      code,
      name: `Reason ${code}`,
      category: "unplanned",
    });
  };
  const big = await reason("BIG");
  const small = await reason("SMALL");
  for (const [start, end, r] of [
    ["06:00", "08:24", big],
    ["10:00", "10:36", small],
  ] as const) {
    await post(request, token, "/api/v1/downtimes", {
      machine_id: machine.id,
      start_datetime: at(start),
      end_datetime: at(end),
      reason_id: r.id,
    });
  }
  const codeText = unique("FC");
  const code = await post<Named>(request, token, "/api/v1/failure-codes", {
    code: codeText,
    name: `Flash ${codeText}`,
    category: "part_defect",
    default_severity: "high",
  });
  const failure = await post<{ id: string }>(request, token, "/api/v1/failure-reports", {
    machine_id: machine.id,
    failure_code_id: code.id,
    occurred_at: at("07:00"),
    description: "Flash on the parting line",
  });
  return { token, line, machine, big, small, code, failureId: failure.id };
}

/** The view of that day on the line: a custom period, kept in the address. */
const dayView = (tab: string, s: Seeded) =>
  `/analytics?tab=${tab}&period=custom&from=${day}&to=${day}&line=${s.line.id}`;

test("a manager reads the day's availability and Pareto, drills down and exports the Pareto as CSV", async ({
  page,
  request,
}) => {
  const s = await seed(request);
  const manager = await createUser(request, "manager", s.token);
  await logIn(page, manager);
  await page.getByRole("link", { name: "Analytics" }).click();
  await expect(page.getByRole("heading", { name: "Analytics", level: 1 })).toBeVisible();

  await page.goto(`${dayView("series", s)}&bucket=day`);
  const row = page.getByTestId("series-row").filter({ hasText: day });
  await expect(row).toHaveCount(1);
  // Availability, unplanned minutes, failures (both reasons are unplanned and count as failures
  // unless the reason says otherwise: the figure is the server's, checked against the table).
  await expect(row.locator("td").nth(0)).toHaveText("87.5%");
  await expect(row.locator("td").nth(1)).toHaveText("180");
  await expect(page.getByTestId("series-chart").locator("canvas").first()).toBeVisible();

  // The filters survive a reload: the view is in the address.
  await page.reload();
  await expect(page.getByLabel("Period")).toHaveValue("custom");
  await expect(page.getByLabel("From (UTC day)")).toHaveValue(day);
  await expect(page.getByLabel("Line")).toHaveValue(s.line.id);

  await page.getByRole("link", { name: "Downtime Pareto" }).click();
  const first = page.getByTestId("pareto-row").first();
  await expect(first).toContainText(s.big.name);
  await expect(first.locator("td").nth(1)).toHaveText("144");
  await expect(page.getByTestId("pareto-row").nth(1)).toContainText(s.small.name);
  await expect(page.getByTestId("pareto-row")).toHaveCount(2);

  // The Pareto as CSV: the download carries the token and the table's rows.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const csv = readFileSync(await download.path(), "utf8");
  const lines = csv.trim().split(/\r?\n/);
  expect(lines.length).toBe(3);
  expect(lines[1]).toContain(s.big.code);
  expect(lines[1]).toContain("144");
  expect(lines[2]).toContain(s.small.code);
  // The same table as XLSX (a zip), and the raw downtimes behind it, oldest first.
  const [xlsx] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-xlsx").click()]);
  expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
  expect(
    readFileSync(await xlsx.path())
      .subarray(0, 2)
      .toString("latin1"),
  ).toBe("PK");
  const [records] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-records-csv").click()]);
  const recordLines = readFileSync(await records.path(), "utf8")
    .trim()
    .split(/\r?\n/);
  expect(recordLines.length).toBe(3);
  expect(recordLines[1]).toContain(s.big.code);
  expect(recordLines[1]).toContain(s.machine.code);
  expect(recordLines[2]).toContain(s.small.code);

  // The top reason leads to its downtimes: that line, that reason, that day.
  await first.getByRole("link", { name: s.big.name }).click();
  await expect(page).toHaveURL(/\/downtimes\?/);
  await expect(page.getByRole("heading", { name: "Downtimes", level: 1 })).toBeVisible();
  const downtimes = page.getByTestId("downtime-row");
  await expect(downtimes).toHaveCount(1);
  await expect(downtimes).toContainText(s.machine.code);
  await expect(downtimes).toContainText(s.big.name);
  await expect(downtimes).toContainText("2 hr 24 min");
});

test("a failure code of the trends opens the failure list filtered to it", async ({ page, request }) => {
  const s = await seed(request);
  // Another report of another code on the same day: the drill-down must leave it out.
  const otherCode = unique("FC");
  const other = await post<Named>(request, s.token, "/api/v1/failure-codes", {
    code: otherCode,
    name: `Short shot ${otherCode}`,
    category: "part_defect",
  });
  await post(request, s.token, "/api/v1/failure-reports", {
    machine_id: s.machine.id,
    failure_code_id: other.id,
    occurred_at: at("09:00"),
  });
  await logIn(page, await createUser(request, "engineer", s.token), dayView("failures", s));
  const codeRow = page.getByTestId("failure-code-row").filter({ hasText: s.code.code });
  await expect(codeRow.locator("td")).toHaveText("1");
  await expect(page.getByTestId("failure-code-row")).toHaveCount(2);

  await codeRow.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/failures\\?.*code=${s.code.id}`));
  await expect(page.getByTestId("failures-narrowed")).toBeVisible();
  const reports = page.getByTestId("failure-row");
  await expect(reports).toHaveCount(1);
  await expect(reports).toContainText(s.code.code);
  await reports.click();
  await expect(page).toHaveURL(new RegExp(`/failures/${s.failureId}$`));
});

test("a tool row opens the tool, and an ageing row opens the outstanding actions of that priority", async ({
  page,
  request,
}) => {
  const s = await seed(request);
  const asset = unique("MLD");
  const tool = await post<{ id: string }>(request, s.token, "/api/v1/tools", {
    asset_number: asset,
    name: "Analytics mould",
    cavity_count: 1,
  });
  await post(request, s.token, `/api/v1/tools/${tool.id}/mount`, { machine_id: s.machine.id });
  const title = `Polish the parting line ${unique("A")}`;
  await post(request, s.token, "/api/v1/actions", { title, failure_report_id: s.failureId, priority: "high" });

  await logIn(page, await createUser(request, "engineer", s.token), `/analytics?tab=utilisation&line=${s.line.id}`);
  const toolRow = page.getByTestId("utilisation-row").filter({ hasText: asset });
  await expect(toolRow).toHaveCount(1);
  await toolRow.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/tools/${tool.id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(asset);

  await page.goto(`/analytics?tab=ageing&machine=${s.machine.id}`);
  await expect(page.getByTestId("outstanding")).toHaveText("1");
  const high = page.getByTestId("priority-row").filter({ hasText: "High" });
  await expect(high.locator("td").nth(0)).toHaveText("1");
  await high.getByRole("link").click();
  await expect(page).toHaveURL(/\/actions\?view=outstanding/);
  await expect(page.getByTestId("outstanding-actions").getByTestId("action-card")).toHaveCount(1);
  await expect(page.getByTestId("action-card")).toContainText(title);
});

test("a PDF report is requested for the period, listed, and downloaded when ready", async ({ page, request }) => {
  test.setTimeout(60_000);
  const s = await seed(request);
  await logIn(page, await createUser(request, "manager", s.token), dayView("series", s));
  await page.getByTestId("request-report").click();
  const report = page.getByTestId("report-row").first();
  await expect(report.getByTestId("report-status")).toHaveText("Ready", { timeout: 40_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), report.getByTestId("report-download").click()]);
  const pdf = readFileSync(await download.path());
  expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
});

test("a viewer reads the figures but gets no export buttons and no reports", async ({ page, request }) => {
  const s = await seed(request);
  const viewer = await createUser(request, "viewer", s.token);
  await logIn(page, viewer);
  await page.getByRole("link", { name: "Analytics" }).click();
  await page.goto(dayView("pareto", s));
  await expect(page.getByTestId("pareto-row").first()).toContainText(s.big.name);
  await expect(page.getByTestId("export-buttons")).toHaveCount(0);
  await expect(page.getByTestId("reports-panel")).toHaveCount(0);
  // The server refuses the export anyway.
  const login = await request.post("/api/v1/auth/token", { data: viewer });
  const { access_token } = (await login.json()) as { access_token: string };
  const denied = await request.get("/api/v1/analytics/downtime-pareto/export.csv", {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(denied.status()).toBe(403);
});

test("every tab answers with every filter in the address, for each period and bucket", async ({ page, request }) => {
  test.setTimeout(60_000);
  const s = await seed(request);
  const tool = await post<{ id: string }>(request, s.token, "/api/v1/tools", {
    asset_number: unique("MLD"),
    name: "Filter mould",
    cavity_count: 1,
  });
  await logIn(page, await createUser(request, "manager", s.token));
  const sections: Record<string, string> = {
    series: "series",
    pareto: "pareto",
    failures: "failures",
    utilisation: "utilisation",
    topTools: "top-tools",
    compliance: "compliance",
    ageing: "ageing",
  };
  const filters = `line=${s.line.id}&machine=${s.machine.id}&tool=${tool.id}&code=${s.code.id}`;
  for (const [tab, testId] of Object.entries(sections)) {
    for (const period of ["7d", "90d", "year"]) {
      for (const bucket of tab === "series" || tab === "failures" ? ["week", "month"] : ["day"]) {
        await page.goto(`/analytics?tab=${tab}&period=${period}&bucket=${bucket}&${filters}`);
        const section = page.getByTestId(testId);
        // Each tab sends only the filters its figure takes: the server's strict queries would refuse others.
        await expect(section.getByRole("heading", { level: 2 })).toBeVisible();
        await expect(page.getByRole("status")).toHaveCount(0);
        await expect(section.getByRole("alert")).toHaveCount(0);
      }
    }
  }
  // The machine's figures with a week bucket: the week of the seeded day shows its 180 minutes.
  await page.goto(`/analytics?tab=series&period=30d&bucket=week&machine=${s.machine.id}`);
  const minutes = page.getByTestId("series-row").locator("td:nth-of-type(2)");
  await expect(minutes.filter({ hasText: /^180/ })).toHaveCount(1);
});

test.describe("on a tablet", () => {
  test.use({ hasTouch: true, viewport: { width: 768, height: 1024 } });

  test("a tap on the chart shows that bucket's figures in the legend", async ({ page, request }) => {
    const s = await seed(request);
    await logIn(page, await createUser(request, "engineer", s.token), `${dayView("series", s)}&bucket=day`);
    const chart = page.getByTestId("series-chart");
    const over = chart.locator(".u-over");
    await expect(over).toBeVisible();
    const box = (await over.boundingBox())!;
    // One bucket: it sits in the middle of the plot.
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await expect(chart.locator(".u-legend")).toContainText(day);
    await expect(chart.locator(".u-legend")).toContainText("87.5 %");
  });

  test("no tab scrolls sideways at 768 px, in Polish and Russian too", async ({ page, request }) => {
    test.setTimeout(90_000);
    const s = await seed(request);
    await logIn(page, await createUser(request, "manager", s.token));
    for (const language of ["Polski", "Русский", "English"]) {
      await page.getByRole("radio", { name: language }).check();
      for (const tab of ["series", "pareto", "failures", "utilisation", "topTools", "compliance", "ageing"]) {
        await page.goto(dayView(tab, s));
        await expect(page.getByRole("status")).toHaveCount(0);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
        expect(sideways, `${tab} in ${language} scrolls sideways`).toBe(false);
      }
    }
  });
});

test("an admin sets the weekly report: day, hour and a recipient with an e-mail address", async ({ page, request }) => {
  const token = await adminToken(request);
  const username = unique("mgr").toLowerCase();
  const email = `${username}@plant.example`;
  await post(request, token, "/api/v1/users", {
    username,
    full_name: `Weekly ${username}`,
    email,
    password: "manager-password-e2e",
    role: "manager",
  });
  await logIn(page, ADMIN, "/analytics");
  const form = page.getByTestId("weekly-schedule");
  await form.getByLabel("Send the weekly report").check();
  await form.getByLabel("Day (UTC)").selectOption({ label: "Friday" });
  await form.getByLabel("Hour (UTC)").selectOption({ label: "07:00 UTC" });
  await form.getByRole("checkbox", { name: new RegExp(email.replace(/[.]/g, "\\.")) }).check();
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(form.getByText("Schedule saved.")).toBeVisible();

  const saved = await request.get("/api/v1/analytics/report-schedule", {
    headers: { authorization: `Bearer ${token}` },
  });
  const schedule = (await saved.json()) as { active: boolean; weekday: number; hour: number; recipient_ids: string[] };
  expect(schedule).toMatchObject({ active: true, weekday: 5, hour: 7 });
  expect(schedule.recipient_ids).toHaveLength(1);
  // The form shows what is stored after a reload.
  await page.reload();
  await expect(form.getByLabel("Day (UTC)")).toHaveValue("5");
  await expect(form.getByRole("checkbox", { name: new RegExp(email.replace(/[.]/g, "\\.")) })).toBeChecked();
  // A manager gets no schedule form, and the server refuses the change (settings are an admin's).
  const login = await request.post("/api/v1/auth/token", { data: { username, password: "manager-password-e2e" } });
  const managerToken = ((await login.json()) as { access_token: string }).access_token;
  const denied = await request.put("/api/v1/analytics/report-schedule", {
    headers: { authorization: `Bearer ${managerToken}` },
    data: schedule,
  });
  expect(denied.status()).toBe(403);
  // Off again: the e2e server's weekly job should not make reports while other tests run.
  await request.put("/api/v1/analytics/report-schedule", {
    headers: { authorization: `Bearer ${token}` },
    data: { ...schedule, active: false },
  });
});
