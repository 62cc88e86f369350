import { z } from "zod";
import { requireActor, type RequestContext } from "../../access/context.ts";
import { ROLES, can } from "../../access/permissions.ts";
import { transaction, type Db, type Tx } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool } from "../../db/schema.ts";
import { notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { booleanQuery, parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import { notificationsRepo, outboxRepo, type NotificationRow } from "./repo.ts";

/** What a notification is about; users choose per kind whether it also comes by e-mail. */
export const NOTIFICATION_KINDS = [
  "action_assigned",
  "action_due_soon",
  "action_overdue",
  "failure_reported",
  "plan_warning",
  "plan_due",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Notification {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string | null;
  entity_type: string | null;
  entity_id: string | null;
  read: boolean;
  read_at: string | null;
  created_at: string;
}

export interface NotificationPreference {
  kind: NotificationKind;
  email: boolean;
}

/** A notice to send: to these users, once per `dedupeKey(userId)` when given. */
export interface Notice {
  kind: NotificationKind;
  userIds: readonly string[];
  title: string;
  body?: string;
  entity_type?: string;
  entity_id?: string;
  /** Makes the notice once-only per user (reminders: per action and due date). */
  dedupe?: string;
}

export const listNotificationsSchema = z.strictObject({ ...pageQuery, unread: booleanQuery.optional() });
export const preferencesSchema = z.strictObject(
  Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, z.boolean().optional()])) as Record<
    NotificationKind,
    z.ZodOptional<z.ZodBoolean>
  >,
);

/**
 * The in-app inbox and its e-mail copies. Notices are written in the transaction of the change
 * that causes them (so they exist exactly when it commits); e-mail goes to an outbox in that
 * same transaction and is sent afterwards by the mailer, so no request waits for SMTP.
 */
export class NotificationService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #emailEnabled: boolean;
  /** Called after a commit that queued mail: the sender wakes up instead of waiting for its timer. */
  #kick: () => void = () => {};

  constructor(db: Db, audit: AuditService, options: { emailEnabled: boolean }) {
    this.#db = db;
    this.#audit = audit;
    this.#emailEnabled = options.emailEnabled;
  }

  onMailQueued(kick: () => void): void {
    this.#kick = kick;
  }

  /** Wakes the sender; call after the transaction that called `notifyIn` committed. */
  mailQueued(): void {
    this.#kick();
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Notification> & { unread_count: number }> {
    const actor = requireActor(ctx);
    const q = parseInput(listNotificationsSchema, query);
    const before = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    const rows = await notificationsRepo.listOfUser(
      this.#db.kysely,
      actor.id,
      { unread: q.unread, before },
      q.limit + 1,
    );
    const page = toPage(rows, q.limit, (r) => [r.created_at, r.id], publicNotification);
    const unread = await notificationsRepo.unreadCount(this.#db.kysely, actor.id);
    return Object.assign(page, { unread_count: unread });
  }

  async unreadCount(ctx: RequestContext): Promise<number> {
    return notificationsRepo.unreadCount(this.#db.kysely, requireActor(ctx).id);
  }

  /** Marks one of one's own notifications read (again is harmless); others' are a 404. */
  async markRead(ctx: RequestContext, id: string): Promise<Notification> {
    const actor = requireActor(ctx);
    return transaction(this.#db, async (trx) => {
      const row = await notificationsRepo.findById(trx, id);
      if (!row || row.user_id !== actor.id) throw notFound("Notification");
      const now = new Date().toISOString();
      if (await notificationsRepo.markRead(trx, actor.id, id, now)) {
        await this.#audit.record(trx, ctx, {
          action: "notification.read",
          entity_type: "notification",
          entity_id: id,
          changes: { read_at: [null, now] },
        });
      }
      return publicNotification((await notificationsRepo.findById(trx, id))!);
    });
  }

  async markAllRead(ctx: RequestContext): Promise<{ marked: number }> {
    const actor = requireActor(ctx);
    return transaction(this.#db, async (trx) => {
      const now = new Date().toISOString();
      const marked = await notificationsRepo.markAllRead(trx, actor.id, now);
      if (marked > 0) {
        await this.#audit.record(trx, ctx, {
          action: "notification.read_all",
          entity_type: "user",
          entity_id: actor.id,
          changes: { marked: [null, marked] },
        });
      }
      return { marked };
    });
  }

  async preferences(ctx: RequestContext): Promise<{ items: NotificationPreference[] }> {
    const actor = requireActor(ctx);
    const rows = await notificationsRepo.preferencesOf(this.#db.kysely, [actor.id]);
    return { items: preferenceList(rows) };
  }

  /** Sets which kinds come by e-mail too: `{ "action_overdue": false, … }`; kinds not named stay. */
  async updatePreferences(ctx: RequestContext, input: unknown): Promise<{ items: NotificationPreference[] }> {
    const actor = requireActor(ctx);
    const patch = parseInput(preferencesSchema, input);
    return transaction(this.#db, async (trx) => {
      const before = preferenceList(await notificationsRepo.preferencesOf(trx, [actor.id]));
      const now = new Date().toISOString();
      for (const kind of NOTIFICATION_KINDS) {
        const email = patch[kind];
        if (email !== undefined) await notificationsRepo.setPreference(trx, actor.id, kind, email, now);
      }
      const after = preferenceList(await notificationsRepo.preferencesOf(trx, [actor.id]));
      const changes: Record<string, [unknown, unknown]> = {};
      after.forEach((p, i) => {
        if (p.email !== before[i].email) changes[`email_${p.kind}`] = [before[i].email, p.email];
      });
      if (Object.keys(changes).length > 0) {
        await this.#audit.record(trx, ctx, {
          action: "notification.preferences",
          entity_type: "user",
          entity_id: actor.id,
          changes,
        });
      }
      return { items: after };
    });
  }

  /**
   * Writes a notice for each user (skipping the actor: nobody is told about their own doing,
   * and inactive users) and queues its e-mail where the user has an address and wants this
   * kind by mail. Returns how many notifications were new (a dedupe key seen before adds none).
   */
  async notifyIn(trx: Tx, notice: Notice, actorId?: string | null): Promise<number> {
    const ids = [...new Set(notice.userIds)].filter((id) => id !== actorId);
    if (ids.length === 0) return 0;
    const users = (await notificationsRepo.usersByIds(trx, ids)).filter((u) => toBool(u.active));
    const now = new Date().toISOString();
    const rows = users.map((u) => ({
      id: newId(),
      user_id: u.id,
      kind: notice.kind,
      title: notice.title,
      body: notice.body ?? null,
      entity_type: notice.entity_type ?? null,
      entity_id: notice.entity_id ?? null,
      dedupe_key: notice.dedupe ? `${notice.dedupe}:${u.id}` : null,
      read_at: null,
      created_at: now,
    }));
    const inserted = await notificationsRepo.insertNew(trx, rows);
    if (this.#emailEnabled && inserted.length > 0) {
      const prefs = await notificationsRepo.preferencesOf(
        trx,
        inserted.map((r) => r.user_id),
      );
      const emailOf = new Map(users.map((u) => [u.id, u.email]));
      const mails = inserted.flatMap((n) => {
        const to = emailOf.get(n.user_id);
        const pref = prefs.find((p) => p.user_id === n.user_id && p.kind === n.kind);
        if (!to || (pref && !toBool(pref.email))) return [];
        return [
          {
            id: newId(),
            notification_id: n.id,
            to_address: to,
            subject: `[HOM] ${n.title}`,
            body: `${n.title}\n\n${n.body ?? ""}\n\n— HOM (change which e-mails you get under Notifications → Settings)\n`,
            status: "pending",
            attempts: 0,
            next_attempt_at: now,
            last_error: null,
            sent_at: null,
            created_at: now,
          },
        ];
      });
      await outboxRepo.insert(trx, mails);
    }
    return inserted.length;
  }

  /** Active users whose role may assign actions (engineer and above): who hears of plant-wide events. */
  async supervisorsIn(trx: Tx): Promise<string[]> {
    const roles = ROLES.filter((role) => can({ role }, "actions:assign"));
    return (await notificationsRepo.activeUsersWithRoles(trx, roles)).map((u) => u.id);
  }
}

function publicNotification(row: NotificationRow): Notification {
  const { user_id: _u, dedupe_key: _d, ...rest } = row;
  return { ...rest, kind: row.kind as NotificationKind, read: row.read_at !== null };
}

/** Every kind, e-mail on unless the user turned it off. */
function preferenceList(rows: { kind: string; email: boolean | number }[]): NotificationPreference[] {
  return NOTIFICATION_KINDS.map((kind) => {
    const row = rows.find((r) => r.kind === kind);
    return { kind, email: row ? toBool(row.email) : true };
  });
}
