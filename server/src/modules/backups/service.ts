import { readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { z } from "zod";
import { authorize, systemContext, type RequestContext } from "../../access/context.ts";
import type { Config } from "../../config.ts";
import { transaction, type Db } from "../../db/index.ts";
import { decodeCursor, pageQuery, toPage, type Page } from "../../db/pagination.ts";
import { toBool, type BackupsTable } from "../../db/schema.ts";
import type { KeyRing } from "../../key-ring.ts";
import type { SecretKey } from "../../secret-key.ts";
import { conflict, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { INSTANCE } from "../../jobs/recorder.ts";
import { parseInput } from "../../validate.ts";
import type { AuditService } from "../audit/service.ts";
import { ARCHIVE_PATTERN, createArchive } from "./archive.ts";
import { fileSourcesFor, rewrapping, type FileSource } from "./files.ts";
import { backupsRepo } from "./repo.ts";

/** A backup as the API shows it: the row, `encrypted` as a boolean and how long it took. */
export type Backup = Omit<BackupsTable, "encrypted"> & { encrypted: boolean; duration_ms: number | null };

function toBackup(row: BackupsTable): Backup {
  return {
    ...row,
    encrypted: toBool(row.encrypted),
    duration_ms: row.finished_at ? Date.parse(row.finished_at) - Date.parse(row.started_at) : null,
  };
}
export type BackupTrigger = "api" | "schedule" | "cli";

export const listSchema = z.strictObject({ ...pageQuery });
export const startSchema = z.strictObject({});

/** A backup still "running" after this long died with its process; a new one may start. */
const STALE_MS = 6 * 3600_000;
// Any constant; only backups take it.
const BACKUP_START_LOCK = 4_711_010;

/**
 * Backups (docs/operations.md "Backups"): one archive per run in HOM_BACKUP_DIR, its history in
 * the `backups` table, the newest HOM_BACKUP_KEEP archives kept. One backup at a time per
 * database, whichever instance or CLI starts it.
 */
export class BackupService {
  readonly #db: Db;
  readonly #audit: AuditService;
  readonly #config: Config;
  readonly #keys: KeyRing;
  readonly #sources = new Map<string, FileSource>();
  readonly #running = new Set<Promise<unknown>>();

  constructor(db: Db, audit: AuditService, config: Config, keys: KeyRing) {
    this.#db = db;
    this.#audit = audit;
    this.#config = config;
    this.#keys = keys;
    for (const source of fileSourcesFor(config)) this.addFileSource(source);
  }

  /** Adds a file store to every backup (and restore); one of the same name is replaced. */
  addFileSource(source: FileSource): void {
    this.#sources.set(source.name, source);
  }

  fileSources(): FileSource[] {
    return [...this.#sources.values()];
  }

  /** Runs a whole backup and waits for it (CLI and the nightly job). Throws when it failed, after recording it. */
  async run(trigger: BackupTrigger, options: { outDir?: string } = {}): Promise<Backup> {
    const backup = await this.#begin(trigger, systemContext(trigger));
    return this.#execute(backup, options.outDir);
  }

  /** Starts a backup for an admin and returns at once (status `running`); GET shows how it ends. */
  async start(ctx: RequestContext, input: unknown): Promise<Backup> {
    authorize(ctx, "backups:write");
    parseInput(startSchema, input ?? {});
    const backup = await this.#begin("api", ctx);
    const done = this.#execute(backup).catch(() => {}); // recorded in the row
    this.#running.add(done);
    void done.finally(() => this.#running.delete(done));
    return toBackup(backup);
  }

  /** Waits for backups started through the API (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  async list(ctx: RequestContext, query: unknown): Promise<Page<Backup>> {
    authorize(ctx, "backups:write");
    const { limit, cursor } = parseInput(listSchema, query);
    const before = cursor ? (decodeCursor(cursor, 2) as [string, string]) : undefined;
    const rows = await backupsRepo.list(this.#db.kysely, before, limit + 1);
    return toPage(
      rows,
      limit,
      (r) => [r.started_at, r.id],
      (r) => toBackup(r),
    );
  }

  async get(ctx: RequestContext, id: string): Promise<Backup> {
    authorize(ctx, "backups:write");
    const row = await backupsRepo.get(this.#db.kysely, id);
    if (!row) throw notFound("Backup");
    return toBackup(row);
  }

  /** A backup is running now (key rotation waits for it). */
  async running(): Promise<boolean> {
    const since = new Date(Date.now() - STALE_MS).toISOString();
    return (await backupsRepo.runningSince(this.#db.kysely, since)) !== undefined;
  }

  async #begin(trigger: BackupTrigger, ctx: RequestContext): Promise<BackupsTable> {
    return transaction(this.#db, async (trx) => {
      if (this.#db.dialect === "postgres") await sql`select pg_advisory_xact_lock(${BACKUP_START_LOCK})`.execute(trx);
      const since = new Date(Date.now() - STALE_MS).toISOString();
      const running = await backupsRepo.runningSince(trx, since);
      if (running) throw conflict(`Backup ${running.id} is still running; wait for it to finish`);
      const key = this.#keys.current;
      const row: BackupsTable = {
        id: newId(),
        status: "running",
        trigger,
        started_at: new Date().toISOString(),
        finished_at: null,
        file: null,
        size_bytes: null,
        sha256: null,
        error: null,
        actor_id: ctx.actor?.id ?? null,
        instance: INSTANCE,
        encrypted: key !== undefined,
        key_id: key?.id() ?? null,
      };
      await backupsRepo.insert(trx, row);
      await this.#audit.record(trx, ctx, {
        action: "backup.start",
        entity_type: "backup",
        entity_id: row.id,
        changes: { trigger: [null, trigger], encrypted: [null, key !== undefined] },
      });
      return row;
    });
  }

  /** Writes the archive; `outDir` (hom backup --out) is a one-off place that is never pruned. */
  async #execute(backup: BackupsTable, outDir?: string): Promise<Backup> {
    try {
      // The key of the moment (a rotation may have changed it since the start of the process).
      const key = this.#keys.current;
      if ((key?.id() ?? null) !== backup.key_id) throw new Error("the encryption key changed as the backup started");
      // During a rotation, photos not rewrapped yet go into the archive under the new key already,
      // so the whole archive needs one key.
      const previous = this.#keys.previous;
      const sources =
        key && previous
          ? this.fileSources().map((source) => rewrappingSource(source, previous, key))
          : this.fileSources();
      const result = await createArchive({
        database: this.#config.database,
        sources,
        outDir: outDir ?? this.#config.backup.dir,
        key,
      });
      // The full path when it is not the usual directory, so the history says where it went.
      const file = outDir ? result.file : path.basename(result.file);
      const done = { status: "ok", file, size_bytes: result.size, sha256: result.sha256 };
      await backupsRepo.finish(this.#db.kysely, backup.id, done);
      if (!outDir) this.prune();
      return toBackup((await backupsRepo.get(this.#db.kysely, backup.id))!);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
      await backupsRepo.finish(this.#db.kysely, backup.id, { status: "failed", error: message });
      throw error;
    }
  }

  /** Deletes the oldest archives beyond HOM_BACKUP_KEEP; only files named like HOM's archives. */
  prune(): string[] {
    const dir = this.#config.backup.dir;
    const archives = readdirSync(dir)
      .filter((name) => ARCHIVE_PATTERN.test(name))
      .sort(); // names start with the UTC time: oldest first
    const removed = archives.slice(0, Math.max(0, archives.length - this.#config.backup.keep));
    for (const name of removed) rmSync(path.join(dir, name), { force: true });
    return removed;
  }

  /** The newest archive on disk and its age (doctor). */
  newestArchive(): { file: string; modified: Date } | undefined {
    try {
      const name = readdirSync(this.#config.backup.dir)
        .filter((n) => ARCHIVE_PATTERN.test(n))
        .sort()
        .at(-1);
      return name ? { file: name, modified: statSync(path.join(this.#config.backup.dir, name)).mtime } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The same files, photos sealed with `from`'s photo key rewrapped to `to`'s on the way out. */
function rewrappingSource(source: FileSource, from: SecretKey, to: SecretKey): FileSource {
  const fromKey = from.derive("photos");
  const toKey = to.derive("photos");
  return {
    name: source.name,
    list: () => source.list(),
    open: (file) => source.open(file).pipe(rewrapping(fromKey, toKey)),
    isEmpty: () => source.isEmpty(),
    clear: () => source.clear(),
    restore: (file, content) => source.restore(file, content),
  };
}
