import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { SMTPServer } from "smtp-server";
import { createTestApp, forEachBackend, graphql, restClient, rowCount, type TestApp } from "./helpers.ts";

interface Mail {
  to: string[];
  data: string;
}

/** A loopback SMTP server that keeps what it receives. */
async function startSmtp(port: number): Promise<{ server: SMTPServer; received: Mail[]; stop(): Promise<void> }> {
  const received: Mail[] = [];
  const server = new SMTPServer({
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { server, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

forEachBackend("notifications", (backend) => {
  describe("inbox", () => {
    let t: TestApp;
    let engineer: ReturnType<typeof restClient>;
    let operator: { id: string; auth: Record<string, string> };
    let other: ReturnType<typeof restClient>;
    before(async () => {
      t = await createTestApp(backend);
      engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
      operator = await t.userWithRole("operator");
      other = restClient(t.app, (await t.userWithRole("operator")).auth);
    });
    after(() => t.close());

    test("list newest first with an unread filter and cursors; mark one and all read; others' stay private", async () => {
      const api = restClient(t.app, operator.auth);
      const ids: string[] = [];
      for (let i = 1; i <= 3; i++) {
        const res = await engineer.post("/api/v1/actions", { title: `Task ${i}`, assignee_id: operator.id });
        ids.push(res.body.id);
      }
      const all = await api.get("/api/v1/notifications?limit=2");
      assert.equal(all.status, 200);
      assert.equal(all.body.unread_count, 3);
      assert.deepEqual(
        all.body.items.map((n: { entity_id: string; read: boolean }) => [n.entity_id, n.read]),
        [
          [ids[2], false],
          [ids[1], false],
        ],
      );
      const rest = await api.get(`/api/v1/notifications?limit=2&cursor=${all.body.next_cursor}`);
      assert.deepEqual(
        rest.body.items.map((n: { entity_id: string }) => n.entity_id),
        [ids[0]],
      );
      assert.equal(rest.body.next_cursor, null);
      const first = all.body.items[0];
      assert.equal((await other.post(`/api/v1/notifications/${first.id}/read`)).status, 404, "not theirs");
      const read = await api.post(`/api/v1/notifications/${first.id}/read`);
      assert.equal(read.status, 200);
      assert.equal(read.body.read, true);
      assert.equal((await api.post(`/api/v1/notifications/${first.id}/read`)).status, 200, "again is harmless");
      const unread = await api.get("/api/v1/notifications?unread=true");
      assert.deepEqual([unread.body.unread_count, unread.body.items.length], [2, 2]);
      assert.deepEqual((await api.post("/api/v1/notifications/read-all")).body, { marked: 2 });
      assert.equal((await api.get("/api/v1/notifications?unread=true")).body.items.length, 0);
      assert.equal((await api.get("/api/v1/notifications?unread=perhaps")).status, 422);
      assert.equal((await api.get("/api/v1/notifications?cursor=garbage")).status, 422);
      assert.equal((await t.app.inject({ method: "GET", url: "/api/v1/notifications" })).statusCode, 401);
    });

    test("e-mail preferences per kind: on by default, changed per user, bad input refused", async () => {
      const api = restClient(t.app, operator.auth);
      const defaults = await api.get("/api/v1/notifications/preferences");
      assert.ok(defaults.body.items.every((p: { email: boolean }) => p.email));
      const changed = await api.patch("/api/v1/notifications/preferences", { action_due_soon: false });
      assert.equal(changed.status, 200);
      const byKind = Object.fromEntries(
        changed.body.items.map((p: { kind: string; email: boolean }) => [p.kind, p.email]),
      );
      assert.deepEqual([byKind.action_due_soon, byKind.action_assigned], [false, true]);
      for (const body of [{ action_due_soon: "no" }, { lottery_won: true }]) {
        assert.equal((await api.patch("/api/v1/notifications/preferences", body)).status, 422);
      }
      const gql = await graphql(
        t.app,
        `
          mutation {
            updateNotificationPreferences(input: { plan_due: false }) {
              kind
              email
            }
          }
        `,
        {},
        operator.auth,
      );
      assert.equal(gql.body.errors, undefined, JSON.stringify(gql.body.errors));
      const inbox = await graphql(
        t.app,
        `
          {
            unreadNotificationCount
            notifications(first: 1) {
              edges {
                node {
                  kind
                  read
                }
              }
            }
          }
        `,
        {},
        operator.auth,
      );
      assert.equal(inbox.body.data!.unreadNotificationCount, 0);
      assert.equal(inbox.body.data!.notifications.edges[0].node.kind, "action_assigned");
    });
  });

  describe("e-mail over SMTP", () => {
    let t: TestApp;
    let port: number;
    let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
    let engineer: ReturnType<typeof restClient>;
    let technician: { id: string; auth: Record<string, string> };
    before(async () => {
      port = await freePort();
      t = await createTestApp(backend, {
        HOM_SMTP_URL: `smtp://127.0.0.1:${port}`,
        HOM_MAIL_FROM: "HOM Test <hom@plant.test>",
        HOM_MAIL_RETRY_BASE_MS: "50",
      });
      const admin = restClient(t.app, t.adminAuth);
      engineer = restClient(t.app, (await t.userWithRole("engineer")).auth);
      technician = await t.userWithRole("technician");
      await admin.patch(`/api/v1/users/${technician.id}`, { email: "tech@plant.test" });
    });
    after(async () => {
      await t.close();
      await smtp?.stop();
    });

    const outbox = () =>
      t.runtime.db.kysely.selectFrom("email_outbox").selectAll().orderBy("created_at").orderBy("id").execute();

    test("SMTP down: the action saves at once, the mail is retried and arrives once the server is up", async () => {
      const started = Date.now();
      const res = await engineer.post("/api/v1/actions", {
        title: "Descale cooling circuit 2",
        assignee_id: technician.id,
      });
      assert.equal(res.status, 201, "saved while SMTP is down");
      assert.ok(Date.now() - started < 2_000, "the request did not wait for SMTP");
      const failed = await until("a failed attempt", async () => {
        const [row] = await outbox();
        return row && Number(row.attempts) >= 1 ? row : undefined;
      });
      assert.equal(failed.status, "pending");
      assert.equal(failed.to_address, "tech@plant.test");
      assert.ok(failed.last_error, "the error is kept");
      assert.ok(failed.next_attempt_at > failed.created_at, "retried later, not at once");

      smtp = await startSmtp(port);
      // The periodic check (off in tests) is driven here, as the timer would.
      const mail = await until("the mail", async () => {
        await t.runtime.background.checks.mail();
        return smtp!.received[0];
      });
      assert.deepEqual(mail.to, ["tech@plant.test"]);
      assert.match(mail.data, /Subject: \[HOM\] Action assigned to you: Descale cooling circuit 2/);
      assert.match(mail.data, /From: HOM Test <hom@plant.test>/);
      const [sent] = await outbox();
      assert.equal(sent.status, "sent");
      assert.ok(Number(sent.attempts) >= 2);
      await t.runtime.background.checks.mail();
      assert.equal(smtp.received.length, 1, "sent once");
    });

    test("with SMTP up a mail goes out right after the commit; an opted-out kind and users without address get none", async () => {
      const before = smtp!.received.length;
      const res = await engineer.post("/api/v1/actions", { title: "Check guide pins", assignee_id: technician.id });
      assert.equal(res.status, 201);
      await until("the mail", async () => smtp!.received.length > before);
      assert.match(smtp!.received.at(-1)!.data, /Check guide pins/);

      const tech = restClient(t.app, technician.auth);
      await tech.patch("/api/v1/notifications/preferences", { action_assigned: false });
      const rows = await rowCount(t.runtime, "email_outbox");
      await engineer.post("/api/v1/actions", { title: "Quiet one", assignee_id: technician.id });
      const noAddress = await t.userWithRole("operator");
      await engineer.post("/api/v1/actions", { title: "No address", assignee_id: noAddress.id });
      assert.equal(await rowCount(t.runtime, "email_outbox"), rows, "nothing queued");
      const inbox = await tech.get("/api/v1/notifications?limit=1");
      assert.match(inbox.body.items[0].title, /Quiet one/, "still in the inbox");
    });
  });
});
