import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { inflateSync } from "node:zlib";
import { SMTPServer } from "smtp-server";
import { createLineWithMachines, createTestApp, forEachBackend, graphql, restClient, type TestApp } from "./helpers.ts";

/**
 * PDF reports (issue 9, docs/analytics.md "PDF reports"): queued through the API, generated in
 * the background, stored and downloaded; and the weekly report mailed as an attachment through
 * the outbox to the users an admin chose, over a loopback SMTP server.
 */

/** The text a PDF shows: its content streams inflated, the hex strings of TJ/Tj operators decoded. */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  const parts: string[] = [];
  for (let at = raw.indexOf("stream"); at !== -1; at = raw.indexOf("stream", at + 6)) {
    if (raw.slice(at - 3, at) === "end") continue;
    const start = at + 6 + (raw[at + 6] === "\r" ? 2 : 1);
    const end = raw.indexOf("endstream", start);
    const body = pdf.subarray(start, end);
    let text: string;
    try {
      text = inflateSync(body).toString("latin1");
    } catch {
      text = body.toString("latin1");
    }
    for (const op of text.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]+)>\s*Tj/g)) {
      const hex = op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F]+)>/g)].map((m) => m[1]).join("") : op[2];
      parts.push(Buffer.from(hex, "hex").toString("latin1"));
    }
    at = end;
  }
  return parts.join("");
}

const pageCount = (pdf: Buffer) => pdf.toString("latin1").match(/\/Type \/Page\b/g)?.length ?? 0;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

forEachBackend("Reports", (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof restClient>;
  let manager: ReturnType<typeof restClient>;
  let managerAuth: Record<string, string>;
  let line: { id: string; code: string };
  const received: { to: string[]; data: string }[] = [];
  let smtp: SMTPServer;

  before(async () => {
    const port = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
        stream.on("end", () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(port, "127.0.0.1", () => resolve()));
    t = await createTestApp(backend, { HOM_SMTP_URL: `smtp://127.0.0.1:${port}` });
    api = restClient(t.app, t.adminAuth);
    managerAuth = (await t.userWithRole("manager")).auth;
    manager = restClient(t.app, managerAuth);
    const plant = await createLineWithMachines(t, 2);
    line = plant.line;
    for (const [i, m] of plant.machines.entries()) {
      for (let d = 2; d < 9; d++) {
        const res = await api.post("/api/v1/downtimes", {
          machine_id: m.id,
          start_datetime: `2026-03-0${d}T${10 + i}:00:00Z`,
          duration_minutes: 45 + d * 10,
          category: d % 3 === 0 ? "planned" : "unplanned",
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    }
    const tool = await api.post("/api/v1/tools", {
      asset_number: "T-REPORT",
      name: "Report mould",
      cavity_count: 4,
      rated_life_shots: 1_000_000,
    });
    await api.post("/api/v1/shots", {
      entries: [2, 3, 4].map((d) => ({
        tool_id: tool.body.id,
        count: 5000,
        source: "import",
        recorded_at: `2026-03-0${d}T08:00:00Z`,
      })),
    });
    const code = await t.runtime.db.kysely.selectFrom("failure_codes").select("id").executeTakeFirstOrThrow();
    const failure = await api.post("/api/v1/failure-reports", {
      tool_id: tool.body.id,
      failure_code_id: code.id,
      severity: "medium",
      occurred_at: "2026-03-04T09:00:00Z",
    });
    assert.equal(failure.status, 201, JSON.stringify(failure.body));
  });
  after(async () => {
    // The SMTP server closes even when the app does not (a failed start): a listening socket would keep the run alive.
    try {
      await t?.close();
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  test("a manager queues a report; it is generated in the background, stored and downloaded as a PDF", async () => {
    const queued = await manager.post("/api/v1/analytics/reports", { from: "2026-03-01", to: "2026-03-15" });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.ok(["queued", "running", "ok"].includes(queued.body.status));
    await t.runtime.services.reports.idle();
    const status = await manager.get(`/api/v1/analytics/reports/${queued.body.id}`);
    assert.equal(status.body.status, "ok", JSON.stringify(status.body));
    assert.ok(status.body.pages >= 3, `pages: ${status.body.pages}`);
    const res = await t.app.inject({
      method: "GET",
      url: `/api/v1/analytics/reports/${queued.body.id}/pdf`,
      headers: managerAuth,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "application/pdf");
    const pdf = res.rawPayload;
    assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
    assert.equal(pdf.length, status.body.size_bytes);
    assert.equal(pageCount(pdf), status.body.pages);
    const text = pdfText(pdf);
    for (const expected of [
      "HOM report 2026-03-01 to 2026-03-15",
      "Plant summary",
      "Availability by day",
      line.code,
      "Tools",
      "T-REPORT",
    ]) {
      assert.ok(text.includes(expected), `"${expected}" in the PDF text: ${text.slice(0, 400)}`);
    }
    const list = await manager.get("/api/v1/analytics/reports?limit=10");
    assert.equal(list.body.items[0].id, queued.body.id);
    assert.equal(list.body.items[0].content, undefined, "lists never carry the PDF");
  });

  test("GraphQL requests a line report and reads its status; not ready is a 409; bad input a 422", async () => {
    const gql = await graphql(
      t.app,
      `
        mutation ($line: ID) {
          requestReport(from: "2026-03-01", to: "2026-03-08", lineId: $line, title: "Line week") {
            id
            status
            title
          }
        }
      `,
      { line: line.id },
      t.adminAuth,
    );
    assert.equal(gql.body.errors, undefined, JSON.stringify(gql.body.errors));
    await t.runtime.services.reports.idle();
    const read = await graphql(
      t.app,
      `
        query ($id: ID!) {
          analyticsReport(id: $id) {
            status
            pages
            title
            lineId
          }
        }
      `,
      { id: gql.body.data!.requestReport.id },
      t.adminAuth,
    );
    assert.deepEqual(
      { ...read.body.data!.analyticsReport, pages: read.body.data!.analyticsReport.pages > 0 },
      { status: "ok", pages: true, title: "Line week", lineId: line.id },
    );
    // A failed report cannot be downloaded.
    await t.runtime.db.kysely
      .insertInto("analytics_reports")
      .values({
        id: "failed-report",
        kind: "period",
        title: "x",
        period_from: "2026-03-01T00:00:00.000Z",
        period_to: "2026-03-02T00:00:00.000Z",
        status: "failed",
        error: "boom",
        created_at: new Date().toISOString(),
      })
      .execute();
    assert.equal((await api.get("/api/v1/analytics/reports/failed-report/pdf")).status, 409);
    assert.equal((await api.get("/api/v1/analytics/reports/missing/pdf")).status, 404);
    for (const [body, field] of [
      [{ from: "2026-03-08", to: "2026-03-01" }, "to"],
      [{ from: "2026-03-01", to: "2026-03-08", line_id: "missing" }, "line_id"],
      [{ from: "2026-03-01" }, "to"],
      [{ from: "2026-03-01", to: "2026-03-08", colour: "red" }, "colour"],
      [{ from: 5, to: "2026-03-08" }, "from"],
      [{ from: "2000-01-01", to: "2026-03-08" }, "from"],
    ] as const) {
      const res = await api.post("/api/v1/analytics/reports", body);
      assert.equal(res.status, 422, `${JSON.stringify(body)}: ${res.status}`);
      assert.ok(JSON.stringify(res.body.error.details).includes(field), JSON.stringify(res.body));
    }
    const engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
    assert.equal(
      (await engineer.post("/api/v1/analytics/reports", { from: "2026-03-01", to: "2026-03-08" })).status,
      403,
    );
  });

  test("the weekly report goes to the chosen users as a PDF attachment, once per week", async () => {
    const users = [];
    for (const name of ["boss", "planner"]) {
      const res = await api.post("/api/v1/users", {
        username: name,
        password: `${name}-password-123`,
        role: "manager",
        email: `${name}@plant.example`,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      users.push(res.body.id);
    }
    const noMail = await api.post("/api/v1/users", {
      username: "nomail",
      password: "nomail-password-123",
      role: "viewer",
    });
    // Who and when is the admin's: checked recipients, audited.
    const bad = await t.app.inject({
      method: "PUT",
      url: "/api/v1/analytics/report-schedule",
      headers: t.adminAuth,
      payload: { active: true, weekday: 8, hour: 6, recipient_ids: ["missing", noMail.body.id] },
    });
    assert.equal(bad.statusCode, 422);
    const fields = bad.json().error.details.map((d: { field: string }) => d.field);
    assert.ok(fields.includes("weekday"), JSON.stringify(fields));
    const badRecipients = await t.app.inject({
      method: "PUT",
      url: "/api/v1/analytics/report-schedule",
      headers: t.adminAuth,
      payload: { active: true, weekday: 1, hour: 6, recipient_ids: ["missing", noMail.body.id] },
    });
    assert.deepEqual(
      badRecipients.json().error.details.map((d: { field: string; code: string }) => [d.field, d.code]),
      [
        ["recipient_ids.0", "not_found"],
        ["recipient_ids.1", "no_email"],
      ],
    );
    const asManager = await t.app.inject({
      method: "PUT",
      url: "/api/v1/analytics/report-schedule",
      headers: (await t.userWithRole("manager")).auth,
      payload: { active: true, weekday: 1, hour: 6, recipient_ids: users },
    });
    assert.equal(asManager.statusCode, 403);
    const set = await t.app.inject({
      method: "PUT",
      url: "/api/v1/analytics/report-schedule",
      headers: t.adminAuth,
      payload: { active: true, weekday: 1, hour: 6, recipient_ids: users },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual((await api.get("/api/v1/analytics/report-schedule")).body, {
      active: true,
      weekday: 1,
      hour: 6,
      recipient_ids: users,
    });
    const audit = await t.runtime.db.kysely
      .selectFrom("audit_log")
      .select(["action", "entity_id"])
      .where("entity_id", "=", "reports.weekly")
      .execute();
    assert.equal(audit.length, 1);

    assert.ok(t.runtime.scheduler.jobs().some((j) => j.name === "weekly-report"));
    const reports = t.runtime.services.reports;
    assert.equal(await reports.runWeekly(new Date("2026-03-09T05:00:00Z")), null, "not its hour");
    assert.equal(await reports.runWeekly(new Date("2026-03-10T06:00:00Z")), null, "not its day");
    const id = await reports.runWeekly(new Date("2026-03-09T06:00:00Z"));
    assert.ok(id, "Monday 06:00 makes the report");
    assert.equal(
      await reports.runWeekly(new Date("2026-03-09T06:00:00Z")),
      null,
      "once per week, whichever instance ticks again",
    );
    const meta = await api.get(`/api/v1/analytics/reports/${id}`);
    assert.deepEqual(
      [meta.body.kind, meta.body.status, meta.body.period_from, meta.body.period_to, meta.body.title],
      ["weekly", "ok", "2026-03-02T00:00:00.000Z", "2026-03-09T00:00:00.000Z", "HOM weekly report 2026-W10"],
    );
    await t.runtime.background.mailer!.drain();
    assert.equal(received.length, 2, JSON.stringify(received.map((r) => r.to)));
    assert.deepEqual(received.flatMap((r) => r.to).sort(), ["boss@plant.example", "planner@plant.example"]);
    const mail = received[0].data;
    assert.match(mail, /Subject: HOM weekly report 2026-W10/);
    assert.match(mail, /Content-Type: application\/pdf; name=hom-report-2026-03-02-2026-03-09\.pdf/);
    const part = mail.slice(mail.indexOf("Content-Type: application/pdf"));
    const base64 = part
      .split(/\r?\n\r?\n/)[1]
      .split(/\r?\n--/)[0]
      .replace(/\s+/g, "");
    const attached = Buffer.from(base64, "base64");
    assert.equal(attached.subarray(0, 5).toString(), "%PDF-");
    assert.ok(pdfText(attached).includes("HOM weekly report 2026-W10"));
    // Switched off: no more reports.
    await t.app.inject({
      method: "PUT",
      url: "/api/v1/analytics/report-schedule",
      headers: t.adminAuth,
      payload: { active: false, weekday: 1, hour: 6, recipient_ids: users },
    });
    assert.equal(await reports.runWeekly(new Date("2026-03-16T06:00:00Z")), null);
  });
});
