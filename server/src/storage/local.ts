import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { assertObjectKey, type ObjectStore } from "./index.ts";

/**
 * Objects as files under one directory (HOM_DATA_DIR/objects). A write goes to a temporary
 * file in the same directory, is flushed to disk, then renamed over the final name: readers see
 * the old object or the new one, never half of one, even across a power cut.
 */
export class LocalStore implements ObjectStore {
  readonly kind = "local" as const;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  #path(key: string): string {
    assertObjectKey(key);
    const file = path.resolve(this.#root, ...key.split("/"));
    // Belt and braces: the key check already rules this out.
    if (!file.startsWith(this.#root + path.sep)) throw new Error(`Object key escapes the store: ${key}`);
    return file;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.#path(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.#path(key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  async *list(): AsyncIterable<{ key: string; size: number }> {
    const root = this.#root;
    async function* walk(dir: string, prefix: string): AsyncIterable<{ key: string; size: number }> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const key = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), key);
        // A write in progress (`.tmp`) is not an object yet.
        else if (entry.isFile() && !entry.name.endsWith(".tmp")) {
          yield { key, size: (await stat(path.join(dir, entry.name))).size };
        }
      }
    }
    yield* walk(root, "");
  }
}
