/**
 * Results of hot reads kept while the data cannot have changed: each entry remembers the data
 * version it was read at (`Db.dataVersion`) and is used only while that version holds (on
 * PostgreSQL, where other instances write unseen, at most a second). Without a version it never
 * keeps anything. Cached values are shared between requests: callers must not change them.
 */
export class VersionedCache<Value> {
  readonly #version: (() => string) | undefined;
  readonly #max: number;
  readonly #entries = new Map<string, { version: string; value: Value }>();

  constructor(version: (() => string) | undefined, max = 32) {
    this.#version = version;
    this.#max = max;
  }

  async get(key: string, load: () => Promise<Value>): Promise<Value> {
    if (!this.#version) return load();
    // Taken before reading: a write during the read moves it on, so the entry is never used.
    const version = this.#version();
    const hit = this.#entries.get(key);
    if (hit?.version === version) return hit.value;
    const value = await load();
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { version, value });
    return value;
  }
}
