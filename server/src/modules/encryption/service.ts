import { z } from "zod";
import { authorize, systemContext, type RequestContext } from "../../access/context.ts";
import type { Config } from "../../config.ts";
import { transaction, type Db } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool, type KeyRotationsTable } from "../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { KeyRing } from "../../key-ring.ts";
import { keyFromFile, type SecretKey } from "../../secret-key.ts";
import { rewrap, sealedWith } from "../../storage/cipher.ts";
import type { ObjectStore } from "../../storage/index.ts";
import { parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import type { BackupService } from "../backups/service.ts";
import { PHOTO_VARIANTS } from "../photos/service.ts";
import { rotationsRepo } from "./repo.ts";

export type KeyRotation = Omit<KeyRotationsTable, "database_rekeyed"> & { database_rekeyed: boolean };

const toRotation = (row: KeyRotationsTable): KeyRotation => ({
  ...row,
  database_rekeyed: toBool(row.database_rekeyed),
});

export const listSchema = z.strictObject({ ...pageQuery });
export const startSchema = z.strictObject({});

/** Photos per progress record: an interruption redoes at most this many (rewrapping is idempotent anyway). */
const BATCH = 50;

export interface RewrapHooks {
  /** Called after each photo (tests inject an interruption here). */
  afterPhoto?(done: number): void | Promise<void>;
}

/**
 * Rotation of the master key (docs/security.md "Rotating the key"): the SQLite database is
 * re-keyed, then every photo's data key is rewrapped (storage/cipher.ts `rewrap`: the header
 * changes, the image bytes do not), with progress in `key_rotations` so an interrupted rotation
 * resumes where it stopped. Backups made from then on use the new key (they ask the key ring).
 * Two ways in: `hom rekey` with the server stopped, and `start` inside the running server.
 */
export class KeyRotationService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #keys: KeyRing;
  readonly #store: ObjectStore;
  readonly #config: Config;
  readonly #backups: BackupService;
  #running: Promise<unknown> | undefined;

  constructor(db: Db, audit: AuditService, keys: KeyRing, store: ObjectStore, config: Config, backups: BackupService) {
    this.#db = db;
    this.#audit = audit;
    this.#keys = keys;
    this.#store = store;
    this.#config = config;
    this.#backups = backups;
  }

  /**
   * Why the server must not start with the key it was given, or null. SQLite refuses a wrong key
   * by itself (the database is encrypted with it); on PostgreSQL nothing would, and every photo
   * would then answer 409 `wrong_key` or `key_missing`. So the newest encrypted photo's thumbnail
   * is asked which key sealed it (its header names the key; nothing is decrypted). While a
   * rotation is unfinished both keys are in play and the rotation itself sorts them out.
   */
  async keyProblemAtStart(): Promise<string | null> {
    if (await rotationsRepo.unfinishedAny(this.#db.kysely)) return null;
    const newest = await rotationsRepo.newestEncryptedPhoto(this.#db.kysely);
    if (!newest) return null;
    const blob = await this.#store.get(`${newest.storage_key}/thumb`);
    if (!blob) return null; // a missing file is that photo's problem, reported when it is asked for
    const key = this.#keys.current;
    const expected = (await rotationsRepo.lastDone(this.#db.kysely))?.to_key_id;
    const which = expected ? ` (the last rotation's key has id ${expected})` : "";
    if (!key) {
      return `the stored photos are encrypted, but HOM_ENCRYPTION_KEY is not set: start with the installation's key${which}`;
    }
    if (sealedWith(key.derive("photos"), blob)) return null;
    return `HOM_ENCRYPTION_KEY (id ${key.id()}) is not the key the stored photos are encrypted with: start with the installation's key${which}`;
  }

  /**
   * `hom rekey`, after the database (SQLite) is under `to` and this process runs with it: rewraps
   * every photo from `from` to `to`, resuming an unfinished rotation between the same two keys.
   */
  async completeOffline(from: SecretKey, to: SecretKey, databaseRekeyed: boolean, hooks: RewrapHooks = {}) {
    const ctx = systemContext("cli");
    const existing = await rotationsRepo.unfinished(this.#db.kysely, from.id(), to.id());
    const rotation = existing ?? (await this.#begin(ctx, "cli", from, to));
    await rotationsRepo.update(this.#db.kysely, rotation.id, {
      status: "running",
      error: null,
      database_rekeyed: databaseRekeyed || toBool(rotation.database_rekeyed),
    });
    return this.#rewrapPhotos(ctx, rotation.id, from, to, hooks);
  }

  /**
   * Inside the running server (admin): reads the next key from HOM_NEW_ENCRYPTION_KEY_FILE (or
   * `<HOM_ENCRYPTION_KEY_FILE>.new`), re-keys the SQLite database on the writer connection while
   * requests wait, switches photos and backups to the new key, and returns (202) while photos are
   * rewrapped in the background. Called again after a failure, it resumes.
   */
  async start(ctx: RequestContext, input: unknown, hooks: RewrapHooks = {}): Promise<KeyRotation> {
    authorize(ctx, "encryption:write");
    parseInput(startSchema, input ?? {});
    if (this.#running) throw conflict("A key rotation is running in this process; wait for it to finish");
    const current = this.#keys.current;
    if (!current) {
      throw conflict("No encryption key is set (HOM_ENCRYPTION_KEY); there is nothing to rotate", [
        { field: "key", message: "not set", code: "no_key" },
      ]);
    }
    const previous = this.#keys.previous;
    if (previous) {
      // A rotation of this process that stopped half-way (its photos): resume it.
      const unfinished = await rotationsRepo.unfinished(this.#db.kysely, previous.id(), current.id());
      if (unfinished) {
        await rotationsRepo.update(this.#db.kysely, unfinished.id, { status: "running", error: null });
        this.#background(ctx, unfinished.id, previous, current, hooks);
        return toRotation((await rotationsRepo.get(this.#db.kysely, unfinished.id))!);
      }
    }
    const next = this.#readNextKey();
    if (next.equals(current)) {
      throw conflict("The new key file holds the key in use now; write a new key to it", [
        { field: "key", message: "same as the current key", code: "same_key" },
      ]);
    }
    const other = await rotationsRepo.running(this.#db.kysely);
    if (other) throw conflict(`Key rotation ${other.id} is running; wait for it to finish`);
    if (await this.#backups.running()) throw conflict("A backup is running; rotate the key when it has finished");

    const rotation = await this.#begin(ctx, "api", current, next);
    try {
      if (this.#db.rekey) {
        // The SQLite database: queued writes wait for the few moments this takes, then use the new key.
        await this.#db.rekey(next, () => this.#keys.rotate(next));
        await rotationsRepo.update(this.#db.kysely, rotation.id, { database_rekeyed: true });
        await this.#audit.recordAlone(ctx, {
          action: "database.rekey",
          entity_type: "database",
          entity_id: "sqlite",
          changes: { key_id: [current.id(), next.id()] },
        });
      } else {
        // PostgreSQL encrypts its own storage: only photos and backups follow the new key.
        this.#keys.rotate(next);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await rotationsRepo.update(this.#db.kysely, rotation.id, { status: "failed", error: message.slice(0, 2000) });
      throw conflict(`The database could not be re-keyed; nothing changed: ${message}`);
    }
    this.#background(ctx, rotation.id, current, next, hooks);
    return toRotation((await rotationsRepo.get(this.#db.kysely, rotation.id))!);
  }

  /** Waits for a rotation running in the background (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => {});
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<KeyRotation>> {
    authorize(ctx, "encryption:write");
    const { limit, cursor } = parseInput(listSchema, query);
    const before = cursor ? (decodeCursor(cursor, 2) as [string, string]) : undefined;
    const rows = await rotationsRepo.list(this.#db.kysely, before, limit + 1);
    return toPage(rows, limit, (r) => [r.started_at, r.id], toRotation);
  }

  async get(ctx: RequestContext, id: string): Promise<KeyRotation> {
    authorize(ctx, "encryption:write");
    const row = await rotationsRepo.get(this.#db.kysely, id);
    if (!row) throw notFound("Key rotation");
    return toRotation(row);
  }

  /** The key this process encrypts with now (public id only), and whether a rotation is under way. */
  status(ctx: RequestContext): { encrypted: boolean; key_id: string | null; rotating: boolean } {
    authorize(ctx, "encryption:write");
    return {
      encrypted: Boolean(this.#keys.current),
      key_id: this.#keys.current?.id() ?? null,
      rotating: Boolean(this.#keys.previous),
    };
  }

  #readNextKey(): SecretKey {
    const file = this.#config.newEncryptionKeyFile;
    if (!file) {
      throw conflict(
        "Write the new key to a file and set HOM_NEW_ENCRYPTION_KEY_FILE to it (or use HOM_ENCRYPTION_KEY_FILE and put the new key in <that file>.new)",
        [{ field: "key", message: "no new key file configured", code: "no_new_key" }],
      );
    }
    const problems: string[] = [];
    const key = keyFromFile(file, "new key file", problems);
    if (!key) {
      // The message names the file and the problem, never its content.
      throw conflict(problems.join("; "), [{ field: "key", message: problems.join("; "), code: "bad_new_key" }]);
    }
    return key;
  }

  async #begin(ctx: RequestContext, trigger: "cli" | "api", from: SecretKey, to: SecretKey) {
    return transaction(this.#db, async (trx) => {
      const now = new Date().toISOString();
      const row: KeyRotationsTable = {
        id: newId(),
        status: "running",
        trigger,
        from_key_id: from.id(),
        to_key_id: to.id(),
        database_rekeyed: false,
        photos_total: await rotationsRepo.countPhotos(trx),
        photos_done: 0,
        last_photo_id: null,
        started_at: now,
        updated_at: now,
        finished_at: null,
        error: null,
        actor_id: ctx.actor?.id ?? null,
      };
      await rotationsRepo.insert(trx, row);
      await this.#audit.record(trx, ctx, {
        action: "encryption.rotate_start",
        entity_type: "key_rotation",
        entity_id: row.id,
        changes: { key_id: [row.from_key_id, row.to_key_id], trigger: [null, trigger] },
      });
      return row;
    });
  }

  #background(ctx: RequestContext, id: string, from: SecretKey, to: SecretKey, hooks: RewrapHooks): void {
    // Uploads sealed with `from` just before the switch commit their rows first (KeyRing.sealing).
    const run = this.#keys
      .settled(from)
      .then(() => this.#rewrapPhotos(ctx, id, from, to, hooks))
      .then(
        () => this.#keys.forgetPrevious(),
        () => {}, // recorded in the row; the previous key stays readable until a resumed run finishes
      );
    this.#running = run;
    void run.finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
  }

  /** Rewraps every encrypted photo after the recorded position; records progress per batch. */
  async #rewrapPhotos(ctx: RequestContext, id: string, from: SecretKey, to: SecretKey, hooks: RewrapHooks) {
    const fromKey = from.derive("photos");
    const toKey = to.derive("photos");
    const db = this.#db.kysely;
    const start = (await rotationsRepo.get(db, id))!;
    let last = start.last_photo_id;
    let done = start.photos_done;
    let skipped = 0;
    try {
      for (;;) {
        const photos = await rotationsRepo.photosAfter(db, last, BATCH);
        if (photos.length === 0) break;
        for (const photo of photos) {
          for (const variant of PHOTO_VARIANTS) {
            const key = `${photo.storage_key}/${variant}`;
            const blob = await this.#store.get(key);
            // Already under the new key (a resumed run), missing, or sealed by an unknown key: left as is.
            if (blob && sealedWith(fromKey, blob)) await this.#store.put(key, rewrap(fromKey, toKey, blob));
            else if (!blob || !sealedWith(toKey, blob)) skipped++;
          }
          last = photo.id;
          done++;
          await hooks.afterPhoto?.(done);
          if (done % 10 === 0) await rotationsRepo.update(db, id, { last_photo_id: last, photos_done: done });
        }
        await rotationsRepo.update(db, id, { last_photo_id: last, photos_done: done });
      }
      const finished = new Date().toISOString();
      await transaction(this.#db, async (trx) => {
        await rotationsRepo.update(trx, id, {
          status: "done",
          finished_at: finished,
          photos_done: done,
          last_photo_id: last,
          photos_total: Math.max(done, start.photos_total),
        });
        await this.#audit.record(trx, ctx, {
          action: "encryption.rotate",
          entity_type: "key_rotation",
          entity_id: id,
          changes: { status: ["running", "done"], photos_rewrapped: [null, done], objects_skipped: [null, skipped] },
        });
      });
      return toRotation((await rotationsRepo.get(db, id))!);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
      await rotationsRepo.update(db, id, { status: "failed", error: message, last_photo_id: last, photos_done: done });
      throw error;
    }
  }
}
