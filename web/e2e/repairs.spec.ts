import { expect, test } from "@playwright/test";
import { createPlant, createUser, logIn, post } from "./helpers";

test.use({ colorScheme: "light" });

/** `datetime-local` input text for a time, in the browser's (and this process's) zone. */
function localInput(time: number): string {
  const d = new Date(time);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

test("a technician records a repair linked to a stop, sees field errors, edits it and closes it", async ({
  page,
  request,
}) => {
  const { token, machine } = await createPlant(request);
  const technician = await createUser(request, "technician", token);
  const now = Date.now();
  await post(request, token, "/api/v1/downtimes", {
    machine_id: machine.id,
    start_datetime: new Date(now - 120 * 60_000).toISOString(),
    end_datetime: new Date(now - 75 * 60_000).toISOString(),
  });

  await logIn(page, technician, `/plant/machines/${machine.id}`);
  await page.getByRole("button", { name: "Record a repair" }).click();
  const form = page.getByTestId("repair-form");
  await expect(form.getByRole("heading", { name: "New repair" })).toBeVisible();

  // Nothing typed: the server's field-level answer shows at the title.
  await form.getByRole("button", { name: "Save repair" }).click();
  await expect(form.getByRole("alert")).toHaveText("Some fields need attention.");
  await expect(form.getByTestId("field-error")).toHaveText("Required.");
  await expect(form.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");

  await form.getByLabel("Title").fill("Replaced heater band zone 3");
  await form.getByLabel("Start").fill(localInput(now - 110 * 60_000));
  // An end before the start is refused at the end field.
  await form.getByLabel("End").fill(localInput(now - 180 * 60_000));
  await form.getByRole("button", { name: "Save repair" }).click();
  await expect(form.getByTestId("field-error")).toHaveText("Must not be before the start.");
  await form.getByLabel("End").fill("");

  await form.getByLabel("Kind").selectOption({ label: "Unscheduled" });
  await form.getByLabel("Cause").fill("Heater band burnt out");
  await form.getByLabel("Actions taken").fill("Replaced the band, checked the thermocouple");
  await form.getByLabel("Parts used").fill("Heater band 230 V 800 W");
  await form.getByLabel("Cost").fill("125.5");
  const stop = form.getByLabel("Stop it fixed");
  await expect(stop.locator("option")).toHaveCount(2);
  await stop.selectOption({ index: 1 });
  await form.getByRole("button", { name: "Save repair" }).click();

  await expect(page.getByRole("status")).toHaveText("Repair saved.");
  await expect(form).toHaveCount(0);
  const repair = page.getByTestId("history-repair");
  await expect(repair).toHaveCount(1);
  await expect(repair).toContainText("Replaced heater band zone 3");
  await expect(repair).toContainText("Open");
  await expect(repair).toContainText("Heater band burnt out");
  await expect(repair).toContainText("125.50");
  await expect(page.getByTestId("history-downtime")).toContainText("Repair: Replaced heater band zone 3");

  await repair.getByRole("button", { name: "Edit" }).click();
  await expect(form.getByRole("heading", { name: "Edit repair" })).toBeVisible();
  await expect(form.getByLabel("Title")).toHaveValue("Replaced heater band zone 3");
  await form.getByLabel("Cause").fill("Heater band burnt out (loose connector)");
  await form.getByRole("button", { name: "Save repair" }).click();
  await expect(repair).toContainText("Heater band burnt out (loose connector)");

  await repair.getByRole("button", { name: "Close repair" }).click();
  await expect(repair).toContainText("Closed");
  await expect(repair.getByRole("button", { name: "Close repair" })).toHaveCount(0);
  // Closed now: the repair has an end.
  await expect(repair.locator("time")).toContainText("–");
});

test("an operator sees repairs but cannot record or close them", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const operator = await createUser(request, "operator", token);
  await post(request, token, "/api/v1/repairs", { machine_id: machine.id, title: "Nozzle cleaned" });
  await logIn(page, operator, `/plant/machines/${machine.id}`);
  await expect(page.getByTestId("history-repair")).toContainText("Nozzle cleaned");
  await expect(page.getByRole("button", { name: "Machine stopped" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Record a repair" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Close repair" })).toHaveCount(0);
});
