/**
 * Failures, photos and actions in the browser: report a failure with the code picker, take a
 * photo, draw on it and check the drawing is stored; move an action across the board; and a
 * viewer, who sees none of the buttons and is refused by the server.
 */
import { expect, test, type APIRequestContext, type Locator } from "@playwright/test";
import sharp from "sharp";
import { adminToken, createPlant, createUser, logIn, post, unique } from "./helpers";

async function jpeg(width = 800, height = 600): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#7a8896" } })
    .jpeg()
    .toBuffer();
}

async function codeId(request: APIRequestContext, token: string, q: string): Promise<string> {
  const res = await request.get(`/api/v1/failure-codes?q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { items: { id: string }[] }).items[0].id;
}

/** Drags across a canvas between two points given as fractions of its box. */
async function drag(canvas: Locator, from: [number, number], to: [number, number]) {
  const box = (await canvas.boundingBox())!;
  const page = canvas.page();
  await page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
  await page.mouse.down();
  for (let i = 1; i <= 5; i++) {
    const f = i / 5;
    await page.mouse.move(
      box.x + (from[0] + (to[0] - from[0]) * f) * box.width,
      box.y + (from[1] + (to[1] - from[1]) * f) * box.height,
    );
  }
  await page.mouse.up();
}

test("an operator reports a failure, takes a photo and draws on it; the drawing is stored", async ({
  page,
  request,
}) => {
  test.setTimeout(60_000);
  const { token, machine } = await createPlant(request);
  const operator = await createUser(request, "operator", token);
  await logIn(page, operator, `/plant/machines/${machine.id}`);
  await page.getByRole("link", { name: "Report failure" }).click();

  await expect(page.getByRole("heading", { name: "Report a failure" })).toBeVisible();
  await expect(page.getByLabel("Machine or tool")).toHaveValue(`machine:${machine.id}`);
  // Nothing chosen yet: the code is asked for at its field.
  await page.getByRole("button", { name: "Report failure" }).click();
  await expect(page.getByTestId("field-error").first()).toHaveText("Required.");
  // The catalogue is searchable and grouped by category.
  await page.getByTestId("code-search").fill("flash");
  await expect(page.getByRole("heading", { name: "Part defects" })).toBeVisible();
  await page.getByRole("radio", { name: /Flash/ }).first().click();
  await expect(page.getByTestId("chosen-code")).toContainText("Flash");
  await page.getByRole("radio", { name: "High" }).click();
  await page.getByLabel("What did you see?").fill("Flash on cavity 3 <b>not bold</b>");
  await page.getByRole("button", { name: "Report failure" }).click();

  await expect(page.getByTestId("failure-status")).toHaveText("Open");
  // User text is text, never markup.
  await expect(page.getByTestId("failure-description")).toHaveText("Flash on cavity 3 <b>not bold</b>");
  const failureId = page.url().split("/failures/")[1].split("?")[0];

  // A file that is not a photo is refused at the field (415 from the server).
  await page
    .getByTestId("photo-input")
    .setInputFiles({ name: "note.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(page.getByTestId("field-error")).toHaveText("This file is not a JPEG, PNG or WebP photo.");

  // A real photo: uploaded, then the drawing tools open on it straight away.
  await page
    .getByTestId("photo-input")
    .setInputFiles({ name: "defect.jpg", mimeType: "image/jpeg", buffer: await jpeg() });
  const editor = page.getByTestId("annotation-editor");
  await expect(editor).toBeVisible();
  const canvas = editor.getByTestId("annotation-canvas");
  await expect(canvas).toBeVisible();
  await drag(canvas, [0.2, 0.2], [0.5, 0.5]); // arrow (the default tool)
  await editor.getByRole("button", { name: "Circle" }).click();
  await drag(canvas, [0.6, 0.6], [0.7, 0.6]);
  await editor.getByRole("button", { name: "Text" }).click();
  await editor.getByLabel("Text to place").fill("Burr here");
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.9);
  await expect(editor).toContainText("Shapes: 3");
  await editor.getByTestId("save-annotations").click();
  await expect(page.getByTestId("photo-full")).toBeVisible();

  // Stored as vector shapes through the photo API.
  const list = await request.get(`/api/v1/photos?entity_type=failure_report&entity_id=${failureId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const photos = ((await list.json()) as { items: { id: string; annotations: Record<string, unknown>[] }[] }).items;
  expect(photos).toHaveLength(1);
  const shapes = photos[0].annotations;
  expect(shapes.map((s) => s.kind)).toEqual(["arrow", "circle", "text"]);
  const arrow = shapes[0] as { x1: number; y1: number; x2: number; y2: number };
  expect(arrow.x1).toBeCloseTo(0.2, 1);
  expect(arrow.y2).toBeCloseTo(0.5, 1);
  expect((shapes[1] as { r: number }).r).toBeCloseTo(0.1, 1);
  expect(shapes[2]).toMatchObject({ kind: "text", text: "Burr here" });
  const annotated = await request.get(`/api/v1/photos/${photos[0].id}/annotated`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(annotated.headers()["content-type"]).toBe("image/jpeg");

  // The gallery shows the drawn thumbnail; the operator cannot investigate.
  await page.getByRole("button", { name: "Close" }).click();
  await expect(page.getByTestId("photo-thumb")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Close report" })).toHaveCount(0);
});

test("a technician moves an assigned action across the board to completed", async ({ page, request }) => {
  const { token, machine } = await createPlant(request);
  const technician = await createUser(request, "technician", token);
  const users = await request.get(`/api/v1/users?q=${technician.username}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const technicianId = ((await users.json()) as { items: { id: string }[] }).items[0].id;
  const failure = await post<{ id: string }>(request, token, "/api/v1/failure-reports", {
    machine_id: machine.id,
    failure_code_id: await codeId(request, token, "ejector"),
    description: "Ejector stuck",
  });
  const title = unique("Replace ejector pin");
  const action = await post<{ id: string }>(request, token, "/api/v1/actions", {
    title,
    assignee_id: technicianId,
    failure_report_id: failure.id,
  });

  await logIn(page, technician, "/actions?view=board");
  const card = (status: string) =>
    page.locator(`[data-column="${status}"]`).getByTestId("action-card").filter({ hasText: title });
  await expect(card("open")).toBeVisible();
  await card("open").getByRole("button", { name: "Start" }).click();
  await expect(card("in_progress")).toBeVisible();
  await expect(card("open")).toHaveCount(0);
  await card("in_progress").getByRole("button", { name: "Complete" }).click();
  await card("in_progress").getByLabel("Completion note").fill("Pin replaced, runs clean");
  await card("in_progress").getByTestId("confirm-move").click();
  await expect(card("completed")).toBeVisible();
  // Verifying is a manager's: the technician has no button for it.
  await expect(card("completed").getByRole("button", { name: "Verify" })).toHaveCount(0);

  const stored = await request.get(`/api/v1/actions/${action.id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(await stored.json()).toMatchObject({ status: "completed", completion_note: "Pin replaced, runs clean" });

  // "My actions" lists it; the failure page shows it among its actions.
  await page.getByRole("link", { name: "My actions" }).click();
  await expect(page.getByTestId("action-card").filter({ hasText: title })).toBeVisible();
  await page.goto(`/failures/${failure.id}`);
  await expect(page.getByTestId("action-card").filter({ hasText: title })).toHaveAttribute("data-status", "completed");
});

test("an engineer, who may not read users, assigns an action to a colleague picked by name", async ({
  page,
  request,
}) => {
  const { token } = await createPlant(request);
  const engineer = await createUser(request, "engineer", token);
  const technician = await createUser(request, "technician", token);
  const fullName = unique("Zofia Nowak");
  const found = await request.get(`/api/v1/users?q=${technician.username}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const technicianId = ((await found.json()) as { items: { id: string }[] }).items[0].id;
  const renamed = await request.patch(`/api/v1/users/${technicianId}`, {
    headers: { authorization: `Bearer ${token}` },
    data: { full_name: fullName },
  });
  expect(renamed.ok()).toBe(true);

  await logIn(page, engineer, "/actions/new");
  const title = unique("Check the hot runner");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Assignee").selectOption({ label: fullName });
  await page.getByRole("button", { name: "Create action" }).click();
  const card = page.getByTestId("action-card").filter({ hasText: title });
  await expect(card).toContainText(`Assigned to ${fullName}`);

  const actions = await request.get(`/api/v1/actions?assignee_id=${technicianId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const stored = ((await actions.json()) as { items: { title: string }[] }).items.map((a) => a.title);
  expect(stored).toContain(title);
});

test("a viewer sees failures and actions without write buttons and is refused by the API", async ({
  page,
  request,
}) => {
  const { token, machine } = await createPlant(request);
  const viewer = await createUser(request, "viewer", token);
  const failure = await post<{ id: string }>(request, token, "/api/v1/failure-reports", {
    machine_id: machine.id,
    failure_code_id: await codeId(request, token, "flash"),
    description: "Seen by the viewer",
  });
  const photoForm = await request.post("/api/v1/photos", {
    headers: { authorization: `Bearer ${token}` },
    multipart: {
      entity_type: "failure_report",
      entity_id: failure.id,
      file: { name: "p.jpg", mimeType: "image/jpeg", buffer: await jpeg(200, 150) },
    },
  });
  expect(photoForm.status()).toBe(201);
  const photo = (await photoForm.json()) as { id: string };
  await post(request, token, "/api/v1/actions", { title: unique("Viewer sees me"), failure_report_id: failure.id });

  await logIn(page, viewer, "/failures");
  await expect(page.getByTestId("failure-row").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Report failure" })).toHaveCount(0);
  await page.goto(`/failures/${failure.id}`);
  await expect(page.getByTestId("failure-description")).toHaveText("Seen by the viewer");
  await expect(page.getByTestId("photo-thumb")).toHaveCount(1);
  await expect(page.getByText("Take photo")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Close report|Start investigation|Save/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "New action" })).toHaveCount(0);
  await expect(page.getByTestId("action-card")).toHaveCount(1);
  await expect(page.getByTestId("action-card").getByRole("button")).toHaveCount(0);
  await page.getByTestId("photo-thumb").click();
  await expect(page.getByTestId("photo-full")).toBeVisible();
  await expect(page.getByRole("button", { name: "Draw on photo" })).toHaveCount(0);
  await page.goto("/actions?view=board");
  await expect(page.getByTestId("action-board")).toBeVisible();
  await expect(page.getByTestId("action-board").getByRole("button")).toHaveCount(0);
  await page.goto("/failures/new");
  await expect(page.getByTestId("admin-refused")).toBeVisible();
  await page.goto("/admin/settings");
  await expect(page.getByTestId("admin-refused")).toBeVisible();

  // Whatever the app shows, the server refuses the viewer's writes (and settings reads).
  const login = await request.post("/api/v1/auth/token", { data: viewer });
  const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
  const refusals = [
    await request.post("/api/v1/failure-reports", {
      headers: auth,
      data: { machine_id: machine.id, failure_code_id: await codeId(request, token, "flash") },
    }),
    await request.patch(`/api/v1/failure-reports/${failure.id}`, { headers: auth, data: { status: "investigating" } }),
    await request.post("/api/v1/actions", { headers: auth, data: { title: "Not allowed" } }),
    await request.put(`/api/v1/photos/${photo.id}/annotations`, { headers: auth, data: { shapes: [] } }),
    await request.get("/api/v1/settings", { headers: auth }),
    await request.patch("/api/v1/settings", { headers: auth, data: { plant_name: "Viewer's" } }),
  ];
  expect(refusals.map((r) => r.status())).toEqual([403, 403, 403, 403, 403, 403]);
});

test("an admin saves the plant settings", async ({ page, request }) => {
  const token = await adminToken(request);
  await logIn(page, { username: "admin", password: "e2e-admin-password" }, "/admin/settings");
  const name = `Plant ${unique("P")}`;
  await page.getByLabel("Plant name").fill(name);
  await page.getByLabel("Language of new accounts").selectOption("pl");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("settings-saved")).toBeVisible();
  const res = await request.get("/api/v1/settings", { headers: { authorization: `Bearer ${token}` } });
  expect(await res.json()).toMatchObject({ plant_name: name, default_locale: "pl" });
  await page.reload();
  await expect(page.getByLabel("Plant name")).toHaveValue(name);
  // Back to English for the tests that create users after this one.
  await request.patch("/api/v1/settings", {
    headers: { authorization: `Bearer ${token}` },
    data: { default_locale: "en" },
  });
});

test("a user whose password an admin set must change it before anything else", async ({ page, request }) => {
  const token = await adminToken(request);
  const username = unique("reset").toLowerCase();
  await post(request, token, "/api/v1/users", {
    username,
    password: "temporary-password-1",
    role: "operator",
    must_change_password: true,
  });
  await page.goto("/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("temporary-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("forced-password")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  // The two new passwords must agree; the current one must be right.
  await page.getByLabel("Current password").fill("temporary-password-1");
  await page.getByLabel(/^New password\s*\*?$/).fill("my own long passphrase");
  await page.getByLabel("New password again").fill("my own long passphrasE");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("The two new passwords differ.")).toBeVisible();
  await page.getByLabel("Current password").fill("not-the-password");
  await page.getByLabel("New password again").fill("my own long passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("This is not your current password.")).toBeVisible();
  await page.getByLabel("Current password").fill("temporary-password-1");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("user-name")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();

  const login = await request.post("/api/v1/auth/token", { data: { username, password: "my own long passphrase" } });
  expect(login.ok()).toBe(true);
  expect(((await login.json()) as { password_change_required?: boolean }).password_change_required ?? false).toBe(
    false,
  );

  // My account: the sessions list marks this device and can end the others.
  await page.getByRole("link", { name: "My account" }).click();
  await expect(page.getByTestId("session").filter({ hasText: "This device" })).toHaveCount(1);
  await expect(page.getByTestId("session")).toHaveCount(2);
  await page
    .getByTestId("session")
    .filter({ hasNotText: "This device" })
    .getByRole("button", { name: "End session" })
    .click();
  await expect(page.getByTestId("session")).toHaveCount(1);
});
