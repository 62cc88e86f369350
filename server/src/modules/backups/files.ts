import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Config } from "../../config.ts";
import { rewrap, sealedWith } from "../../storage/cipher.ts";
import { createObjectStore, type ObjectStore } from "../../storage/index.ts";

/**
 * Files a backup carries besides the database: the photo store's objects. In the archive a
 * source's files live under `files/<name>/…`.
 */
export interface FileSource {
  /** Short, lower-case: `photos`. */
  readonly name: string;
  /** Every file, as a relative path with `/` and its size in bytes. */
  list(): AsyncIterable<{ path: string; size: number }>;
  open(file: string): Readable;
  /** True when nothing is stored yet (a restore refuses to mix into existing files). */
  isEmpty(): Promise<boolean>;
  /** Removes every file (a forced restore replaces the store's content). */
  clear(): Promise<void>;
  /** Stores one file during a restore. */
  restore(file: string, content: Readable): Promise<void>;
}

/**
 * The file stores every backup and restore carries, from the configuration alone, so that
 * `hom restore` (which starts no runtime) sees them too: the photo store's objects, stored as
 * they are (encrypted objects stay encrypted in the archive). Both kinds of store are the source
 * `objects`, so an archive of a local store restores into an S3 bucket and the other way round.
 */
export function fileSourcesFor(config: Config): FileSource[] {
  return config.storage.kind === "local"
    ? [new DirectoryFileSource("objects", config.storage.dir)]
    : [new ObjectStoreFileSource("objects", createObjectStore(config.storage))];
}

/** The objects of an object store (an S3-compatible bucket), by object key. */
export class ObjectStoreFileSource implements FileSource {
  readonly name: string;
  readonly #store: ObjectStore;

  constructor(name: string, store: ObjectStore) {
    this.name = name;
    this.#store = store;
  }

  async *list(): AsyncIterable<{ path: string; size: number }> {
    for await (const object of this.#store.list()) yield { path: object.key, size: object.size };
  }

  open(file: string): Readable {
    const store = this.#store;
    return Readable.from(
      (async function* () {
        const data = await store.get(file);
        // Deleted between list and read: the tar writer reports the size change.
        if (data) yield data;
      })(),
    );
  }

  async isEmpty(): Promise<boolean> {
    for await (const _ of this.#store.list()) return false;
    return true;
  }

  async clear(): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.#store.list()) keys.push(object.key);
    for (const key of keys) await this.#store.delete(key);
  }

  async restore(file: string, content: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    await this.#store.put(file, Buffer.concat(chunks)); // checks the key like any other put
  }
}

/** A directory of files kept as they are (the local photo directory). */
export class DirectoryFileSource implements FileSource {
  readonly name: string;
  readonly #dir: string;

  constructor(name: string, dir: string) {
    this.name = name;
    this.#dir = dir;
  }

  async *list(): AsyncIterable<{ path: string; size: number }> {
    if (!existsSync(this.#dir)) return;
    const walk = function* (dir: string, prefix: string): Generator<{ path: string; size: number }> {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, entry.name);
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) yield* walk(full, rel);
        // A write in progress (LocalStore's `.tmp`, or `.partial`) is not an object yet.
        else if (entry.isFile() && !/\.(partial|tmp)$/.test(entry.name)) yield { path: rel, size: statSync(full).size };
      }
    };
    yield* walk(this.#dir, "");
  }

  open(file: string): Readable {
    return createReadStream(this.#resolve(file));
  }

  async isEmpty(): Promise<boolean> {
    for await (const _ of this.list()) return false;
    return true;
  }

  async clear(): Promise<void> {
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async restore(file: string, content: Readable): Promise<void> {
    const target = this.#resolve(file);
    mkdirSync(path.dirname(target), { recursive: true });
    await pipeline(content, createWriteStream(target, { flags: "wx" }));
  }

  /** A path inside the directory; `..` or absolute paths from an archive are refused. */
  #resolve(file: string): string {
    const full = path.resolve(this.#dir, file);
    if (!full.startsWith(path.resolve(this.#dir) + path.sep)) throw new Error(`unsafe path in archive: ${file}`);
    return full;
  }
}

/**
 * Passes an object through, rewrapping its data key from `from` to `to` when it is sealed with
 * `from` (storage/cipher.ts); anything else passes unchanged. The size stays the same. Used when
 * a backup is taken during a key rotation (photos not rewrapped yet) and when a restore moves
 * photos to the installation's key. Holds one object in memory (photos are at most tens of MB).
 */
export function rewrapping(from: Buffer, to: Buffer): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
    flush(done) {
      const blob = Buffer.concat(chunks);
      try {
        done(null, sealedWith(from, blob) ? rewrap(from, to, blob) : blob);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
