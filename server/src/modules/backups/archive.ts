import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { latestMigration } from "../../db/migrate.ts";
import { SNAPSHOT_NAME, databaseIsEmpty, restoreDatabase, snapshotDatabase, type DatabaseConfig } from "./database.ts";
import type { FileSource } from "./files.ts";
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
export const ARCHIVE_PATTERN = /^hom-backup-\d{8}T\d{6}Z-[0-9a-f]{6}\.tar\.gz$/;

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
}): Promise<ArchiveResult> {
  const now = options.now ?? new Date();
  mkdirSync(options.outDir, { recursive: true });
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const name = `hom-backup-${stamp}-${randomBytes(3).toString("hex")}.tar.gz`;
  const final = path.join(options.outDir, name);
  const partial = `${final}.partial`;
  // Work space next to the archive, not in /tmp: that is often RAM (tmpfs) on a Pi.
  const work = mkdtempSync(path.join(options.outDir, ".hom-backup-"));
  try {
    // The database first: files referenced by its rows were written before their rows committed.
    const snapshot = path.join(work, path.basename(SNAPSHOT_NAME[options.database.kind]));
    await snapshotDatabase(options.database, snapshot);

    const gzip = createGzip({ level: 6 });
    const archiveHash = hashing();
    const written = pipeline(gzip, archiveHash, createWriteStream(partial, { flags: "wx" }));
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
  onEntry: (name: string, size: number, content: Readable) => Promise<void>,
): Promise<void> {
  const gunzip = createGunzip();
  const source = createReadStream(file);
  source.once("error", (error) => gunzip.destroy(error)); // pipe() does not pass errors on
  const input = source.pipe(gunzip);
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
export async function verifyArchive(file: string): Promise<Manifest> {
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText: string | undefined;
  await readArchive(file, async (name, _size, content) => {
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
  return manifest;
}

export class RestoreRefused extends Error {}

/**
 * Restores an archive into an empty database and empty file stores (or, with `force`, over
 * existing ones). Everything is checked first; nothing is written when a check fails.
 */
export async function restoreArchive(
  file: string,
  options: { database: DatabaseConfig; sources: FileSource[]; force: boolean },
): Promise<Manifest> {
  const manifest = await verifyArchive(file);
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
  // Work space on the target's disk for SQLite (the snapshot is moved there anyway), /tmp for PostgreSQL.
  const base = options.database.kind === "sqlite" ? path.dirname(options.database.file) : tmpdir();
  mkdirSync(base, { recursive: true });
  const work = mkdtempSync(path.join(base, ".hom-restore-"));
  try {
    const snapshot = path.join(work, "snapshot");
    await readArchive(file, async (name, _size, content) => {
      if (name === SNAPSHOT_NAME[manifest.database.kind]) {
        await pipeline(content, createWriteStream(snapshot));
        return;
      }
      const match = /^files\/([^/]+)\/(.+)$/.exec(name);
      if (match) await sources.get(match[1])!.restore(match[2], content);
      else content.resume();
    });
    await restoreDatabase(options.database, snapshot, manifest.database.schema ?? undefined, options.force);
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
