import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { latestMigration } from "../../db/migrate.ts";
import {
  SNAPSHOT_NAME,
  databaseIsEmpty,
  restorePostgresDump,
  restoreSqliteSnapshot,
  snapshotDatabase,
  type DatabaseConfig,
} from "./database.ts";
import { changeKey, openSqliteKeyed, sqliteFileState } from "../../db/sqlite-cipher.ts";
import { rewrapping, type FileSource } from "./files.ts";
import type { SecretKey } from "../../secret-key.ts";
import { archiveDataKey, decryptingStream, encryptingStream, readEncryptedHeader } from "./archive-cipher.ts";
import { ArchiveError, TarWriter, readTar } from "./tar.ts";

/**
 * One backup = one `hom-backup-<UTC time>-<random>.tar.gz` holding, in this order:
 *   database/hom.sqlite | database/hom.pgdump   the snapshot
 *   files/<source>/<path>                        photos and other file sources
 *   manifest.json                                what is inside, with sizes and SHA-256
 * The manifest comes last so the files stream straight from their stores into the archive
 * (one pass, no staging copy); a restore reads the whole archive once to check every file
 * against it before writing anything.
 */

export const MANIFEST_NAME = "manifest.json";
/** Plain archives end in `.tar.gz`, encrypted ones in `.tar.gz.enc` (archive-cipher.ts). */
export const ARCHIVE_PATTERN = /^hom-backup-\d{8}T\d{6}Z-[0-9a-f]{6}\.tar\.gz(\.enc)?$/;

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: "hom-backup";
  version: 1;
  created_at: string;
  database: { kind: "sqlite" | "postgres"; schema: string | null; schema_version: string };
  /**
   * Set when the archive is encrypted: which master key it needs (its public id, never the key).
   * The SQLite snapshot inside is then encrypted with that key's database key as well, and
   * encrypted photos keep their own sealing by that key. Absent in plain archives (and older ones).
   */
  encryption?: { cipher: "aes-256-gcm"; key_id: string } | null;
  files: ManifestFile[];
}

export interface ArchiveResult {
  file: string;
  size: number;
  sha256: string;
  manifest: Manifest;
}

/** Counts and hashes what flows through. */
function hashing(): Transform & { digest(): { size: number; sha256: string } } {
  const hash = createHash("sha256");
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { digest(): { size: number; sha256: string } };
  t.digest = () => ({ size, sha256: hash.digest("hex") });
  return t;
}

export async function createArchive(options: {
  database: DatabaseConfig;
  sources: FileSource[];
  outDir: string;
  now?: Date;
  /** The master key: the archive is encrypted with a data key wrapped by it (and the SQLite snapshot is under it). */
  key?: SecretKey;
}): Promise<ArchiveResult> {
  const now = options.now ?? new Date();
  mkdirSync(options.outDir, { recursive: true });
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const name = `hom-backup-${stamp}-${randomBytes(3).toString("hex")}.tar.gz${options.key ? ".enc" : ""}`;
  const final = path.join(options.outDir, name);
  const partial = `${final}.partial`;
  // Work space next to the archive, not in /tmp: that is often RAM (tmpfs) on a Pi.
  const work = mkdtempSync(path.join(options.outDir, ".hom-backup-"));
  try {
    // The database first: files referenced by its rows were written before their rows committed.
    const snapshot = path.join(work, path.basename(SNAPSHOT_NAME[options.database.kind]));
    await snapshotDatabase(options.database, snapshot, options.key);

    const gzip = createGzip({ level: 6 });
    const archiveHash = hashing();
    // With a key, nothing but ciphertext reaches the file: the tar stream is encrypted before it is written.
    const written = options.key
      ? pipeline(gzip, encryptingStream(options.key), archiveHash, createWriteStream(partial, { flags: "wx" }))
      : pipeline(gzip, archiveHash, createWriteStream(partial, { flags: "wx" }));
    written.catch(() => {}); // awaited below; an early failure must not go unhandled
    const tar = new TarWriter(gzip);
    const files: ManifestFile[] = [];
    const add = async (entry: string, size: number, content: Readable) => {
      const h = hashing();
      await tar.add(entry, size, content.pipe(h));
      files.push({ path: entry, ...h.digest() });
    };
    await add(SNAPSHOT_NAME[options.database.kind], statSync(snapshot).size, createReadStream(snapshot));
    for (const source of options.sources) {
      for await (const file of source.list())
        await add(`files/${source.name}/${file.path}`, file.size, source.open(file.path));
    }
    const manifest: Manifest = {
      format: "hom-backup",
      version: 1,
      created_at: now.toISOString(),
      database: {
        kind: options.database.kind,
        schema: options.database.kind === "postgres" ? (options.database.schema ?? "public") : null,
        schema_version: latestMigration(),
      },
      encryption: options.key ? { cipher: "aes-256-gcm", key_id: options.key.id() } : null,
      files,
    };
    const body = Buffer.from(JSON.stringify(manifest, null, 2));
    await tar.add(MANIFEST_NAME, body.length, body);
    await tar.finish();
    await written;
    const handle = await open(partial, "r");
    await handle.sync(); // on disk before it is named as a finished backup
    await handle.close();
    renameSync(partial, final);
    return { file: final, ...archiveHash.digest(), manifest };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Reads the archive, calling `sink` for each entry; gzip and tar damage become ArchiveErrors. */
async function readArchive(
  file: string,
  key: SecretKey | undefined,
  onEntry: (name: string, size: number, content: Readable) => Promise<void>,
): Promise<void> {
  const header = await readEncryptedHeader(file);
  const gunzip = createGunzip();
  const source = createReadStream(file);
  let input: Readable;
  if (header) {
    // Refused here, before a byte is read, when the key is missing or is another one.
    const decrypt = decryptingStream(header, archiveDataKey(header, key));
    source.once("error", (error) => decrypt.destroy(error)); // pipe() does not pass errors on
    decrypt.once("error", (error) => gunzip.destroy(error));
    input = source.pipe(decrypt).pipe(gunzip);
  } else {
    source.once("error", (error) => gunzip.destroy(error));
    input = source.pipe(gunzip);
  }
  try {
    await readTar(input as AsyncIterable<Buffer>, (name, size) => {
      const stream = new PassThrough();
      const done = onEntry(name, size, stream);
      done.catch(() => {});
      return {
        data: async (chunk) => {
          // A consumer that failed stops reading: its error ends the read instead of a wait for drain.
          if (!stream.write(chunk))
            await Promise.race([new Promise<void>((r) => stream.once("drain", () => r())), done]);
        },
        end: async () => {
          stream.end();
          await done;
        },
      };
    });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ArchiveError(`no such file: ${file}`);
    if (code?.startsWith("Z_") || code === "ERR_PADDING_1") {
      throw new ArchiveError(`the archive is damaged (${(error as Error).message})`);
    }
    throw error;
  }
}

/**
 * Checks an archive against its manifest: every listed file present once, with its size and
 * SHA-256, nothing unlisted. Returns the manifest; throws an ArchiveError naming the first problem.
 */
export async function verifyArchive(file: string, key?: SecretKey): Promise<Manifest> {
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText: string | undefined;
  const header = await readEncryptedHeader(file);
  await readArchive(file, key, async (name, _size, content) => {
    if (name === MANIFEST_NAME) {
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      manifestText = Buffer.concat(chunks).toString("utf8");
      return;
    }
    const h = hashing();
    await pipeline(content, h, new PassThrough().resume());
    if (seen.has(name)) throw new ArchiveError(`${name} appears twice in the archive`);
    seen.set(name, h.digest());
  });
  if (manifestText === undefined) throw new ArchiveError("the archive has no manifest.json: not a HOM backup");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
  } catch {
    throw new ArchiveError("manifest.json is not valid JSON");
  }
  if (manifest.format !== "hom-backup" || manifest.version !== 1 || !Array.isArray(manifest.files)) {
    throw new ArchiveError("manifest.json is not a HOM backup manifest of version 1");
  }
  for (const f of manifest.files) {
    const got = seen.get(f.path);
    if (!got) throw new ArchiveError(`${f.path} is listed in the manifest but missing from the archive`);
    if (got.size !== f.size || got.sha256 !== f.sha256) {
      throw new ArchiveError(`${f.path} does not match its checksum in the manifest: the archive is damaged`);
    }
    seen.delete(f.path);
  }
  if (seen.size > 0) throw new ArchiveError(`${[...seen.keys()][0]} is in the archive but not in its manifest`);
  if (!manifest.files.some((f) => f.path === SNAPSHOT_NAME[manifest.database.kind])) {
    throw new ArchiveError("the archive holds no database snapshot");
  }
  if ((header?.key_id ?? null) !== (manifest.encryption?.key_id ?? null)) {
    throw new ArchiveError("the archive's encryption does not match its manifest");
  }
  return manifest;
}

export class RestoreRefused extends Error {}

/**
 * Restores an archive into an empty database and empty file stores (or, with `force`, over
 * existing ones). Everything is checked first; nothing is written when a check fails.
 */
export async function restoreArchive(
  file: string,
  options: {
    database: DatabaseConfig;
    sources: FileSource[];
    force: boolean;
    /** The key that opens an encrypted archive (`--key-file`, else HOM_ENCRYPTION_KEY). */
    key?: SecretKey;
    /**
     * The key the restored installation will start with (HOM_ENCRYPTION_KEY). When it differs from
     * the archive's, the SQLite database is re-encrypted and photos rewrapped to it on the way in;
     * unset, the restored data keeps the archive's key.
     */
    targetKey?: SecretKey;
  },
): Promise<Manifest> {
  const manifest = await verifyArchive(file, options.key);
  const archiveKey = manifest.encryption ? options.key : undefined;
  const targetKey = options.targetKey ?? archiveKey;
  const rewrapPhotos =
    archiveKey && targetKey && !archiveKey.equals(targetKey)
      ? { from: archiveKey.derive("photos"), to: targetKey.derive("photos") }
      : undefined;
  if (manifest.database.kind !== options.database.kind) {
    throw new RestoreRefused(
      `this is a ${manifest.database.kind} backup; the configured database is ${options.database.kind}`,
    );
  }
  if (manifest.database.schema_version > latestMigration()) {
    throw new RestoreRefused(
      `this backup is of a newer HOM (schema ${manifest.database.schema_version}); upgrade HOM before restoring it`,
    );
  }
  const sources = new Map(options.sources.map((s) => [s.name, s]));
  for (const f of manifest.files) {
    const sourceName = /^files\/([^/]+)\//.exec(f.path)?.[1];
    if (sourceName && !sources.has(sourceName))
      throw new RestoreRefused(`no file store "${sourceName}" to restore ${f.path} into`);
  }
  if (!options.force) {
    if (!(await databaseIsEmpty(options.database))) {
      throw new RestoreRefused("the target database is not empty; restore into an empty one or pass --force");
    }
    for (const source of options.sources) {
      if (!(await source.isEmpty())) {
        throw new RestoreRefused(`the ${source.name} store is not empty; restore into an empty one or pass --force`);
      }
    }
  } else {
    for (const source of options.sources) await source.clear();
  }
  const database = options.database;
  // SQLite's snapshot is written next to the database it replaces (it is moved there anyway, and
  // an encrypted one stays encrypted); PostgreSQL's dump goes straight into pg_restore.
  let work: string | undefined;
  if (database.kind === "sqlite") {
    mkdirSync(path.dirname(database.file), { recursive: true });
    work = mkdtempSync(path.join(path.dirname(database.file), ".hom-restore-"));
  }
  let databaseRead = false;
  try {
    const snapshot = work ? path.join(work, "snapshot") : undefined;
    await readArchive(file, options.key, async (name, _size, content) => {
      if (name === SNAPSHOT_NAME[manifest.database.kind]) {
        databaseRead = true;
        if (database.kind === "postgres") {
          await restorePostgresDump(database, content, manifest.database.schema ?? undefined, options.force);
        } else await pipeline(content, createWriteStream(snapshot!));
        return;
      }
      const match = /^files\/([^/]+)\/(.+)$/.exec(name);
      if (match) {
        const body = rewrapPhotos ? content.pipe(rewrapping(rewrapPhotos.from, rewrapPhotos.to)) : content;
        await sources.get(match[1])!.restore(match[2], body);
      } else content.resume();
    });
    if (!databaseRead) throw new Error("the archive holds no database snapshot"); // verifyArchive makes this unreachable
    if (database.kind === "sqlite") {
      keySnapshot(snapshot!, archiveKey, targetKey);
      restoreSqliteSnapshot(database, snapshot!);
    }
    return manifest;
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Puts the restored SQLite snapshot under the key the installation will start with: an encrypted
 * snapshot is under the archive's key; a plain one (from a plain archive) is encrypted when a key
 * is set, as `hom encrypt` would.
 */
function keySnapshot(snapshot: string, archiveKey: SecretKey | undefined, targetKey: SecretKey | undefined): void {
  const state = sqliteFileState(snapshot);
  if (state === "absent") return;
  const from = state === "encrypted" ? archiveKey : undefined;
  if (state === "encrypted" && !from) {
    throw new RestoreRefused("the database snapshot is encrypted, but the archive names no key for it");
  }
  if (!targetKey || (from && from.equals(targetKey))) return;
  const db = openSqliteKeyed(snapshot, from);
  try {
    db.pragma("journal_mode = DELETE"); // rekey is not possible in WAL mode
    changeKey(db, targetKey);
  } finally {
    db.close();
  }
}
