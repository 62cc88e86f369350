import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Config } from "../../config.ts";

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
 * `hom restore` (which starts no runtime) sees them too: the local object store (photos, stored
 * as they are — encrypted objects stay encrypted in the archive). An S3 store is not copied:
 * back up the bucket with the store's own tools (docs/operations.md).
 */
export function fileSourcesFor(config: Config): FileSource[] {
  return config.storage.kind === "local" ? [new DirectoryFileSource("objects", config.storage.dir)] : [];
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
