import nodemailer, { type Transporter } from "nodemailer";
import type { Db } from "../../db/index.ts";
import { outboxRepo, type OutboxRow } from "./repo.ts";

/** How long one attempt may hold a mail before another sender may take it (a crashed instance). */
const LEASE_MS = 2 * 60_000;
/** Mails per round; the round repeats while full. */
const BATCH = 20;
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 60 * 60_000;

export interface MailerOptions {
  smtpUrl: string;
  from: string;
  retryBaseMs: number;
  maxAttempts: number;
  log?: (message: string, error?: unknown) => void;
}

/**
 * Sends the e-mail outbox over SMTP (nodemailer). A failed attempt waits `retryBaseMs × 2^(n−1)`
 * (at most an hour) and gives up after `maxAttempts`, leaving the mail `failed` with its last
 * error. Runs after commits (`kick`) and on the periodic timer; rounds never overlap within a
 * process, and `claim` keeps two instances from sending one mail twice.
 */
export class MailSender {
  readonly #db: Db;
  readonly #options: MailerOptions;
  #transport: Transporter | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(db: Db, options: MailerOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** Starts a round soon, without waiting for it: the request that queued mail returns at once. */
  kick(): void {
    if (this.#closed) return;
    void this.drain().catch((error: unknown) => this.#options.log?.("mail round failed", error));
  }

  /** Sends every mail that is due now (or at `now`); resolves when the round is over. */
  drain(now?: () => number): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          while (!this.#closed && (await this.#round(now ?? Date.now)) === BATCH);
        } while (this.#again && !this.#closed);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /**
   * Stops sending: the transport closes first, so a round stuck on a slow SMTP server ends now
   * (its mail counts as a failed attempt and is retried after restart) instead of holding up
   * shutdown for the socket timeout; then the round is waited for.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#transport?.close();
    await this.#running?.catch(() => {});
  }

  async #round(clock: () => number): Promise<number> {
    const rows = await outboxRepo.due(this.#db.kysely, new Date(clock()).toISOString(), BATCH);
    for (const row of rows) {
      if (this.#closed) break;
      if (!(await outboxRepo.claim(this.#db.kysely, row, new Date(clock() + LEASE_MS).toISOString()))) continue;
      await this.#attempt(row, clock);
    }
    return rows.length;
  }

  async #attempt(row: OutboxRow, clock: () => number): Promise<void> {
    const attempts = Number(row.attempts) + 1;
    try {
      this.#transport ??= nodemailer.createTransport(smtpOptions(this.#options.smtpUrl));
      // A scheduled report travels as its PDF (analytics_reports), read only when the mail is sent.
      const report = row.attachment_report_id
        ? await this.#db.kysely
            .selectFrom("analytics_reports")
            .select(["content", "period_from", "period_to"])
            .where("id", "=", row.attachment_report_id)
            .executeTakeFirst()
        : undefined;
      await this.#transport.sendMail({
        attachments: report?.content
          ? [
              {
                filename: `hom-report-${report.period_from.slice(0, 10)}-${report.period_to.slice(0, 10)}.pdf`,
                content: Buffer.from(report.content),
                contentType: "application/pdf",
              },
            ]
          : undefined,
        from: this.#options.from,
        to: row.to_address,
        subject: row.subject,
        text: row.body,
        headers: { "X-HOM-Notification": row.notification_id ?? row.id },
      });
      await outboxRepo.markSent(this.#db.kysely, row.id, attempts, new Date(clock()).toISOString());
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      const wait = Math.min(MAX_BACKOFF_MS, this.#options.retryBaseMs * 2 ** (attempts - 1));
      const next = attempts >= this.#options.maxAttempts ? null : new Date(clock() + wait).toISOString();
      await outboxRepo.markFailed(this.#db.kysely, row.id, attempts, message, next);
      this.#options.log?.(`mail to ${row.to_address} failed (attempt ${attempts})`, error);
    }
  }
}

/** The SMTP URL with timeouts short enough that a dead server costs a retry, not a hung sender. */
function smtpOptions(url: string): string {
  const parsed = new URL(url);
  for (const [key, value] of [
    ["connectionTimeout", "10000"],
    ["greetingTimeout", "10000"],
    ["socketTimeout", "30000"],
  ]) {
    if (!parsed.searchParams.has(key)) parsed.searchParams.set(key, value);
  }
  return parsed.toString();
}
