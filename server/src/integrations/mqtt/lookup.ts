import type { Queryable } from "../../db/index.ts";

/**
 * Machine codes and tool asset numbers named in topics, resolved to ids in one query per batch
 * and per kind, and kept for a short while: a press reports every few seconds, and its code
 * rarely changes. Unknown names are remembered for less time, so a machine created a moment
 * ago is found soon, while a misconfigured press flooding an unknown code costs no query per
 * message. Names compare case-insensitively, as the unique indexes on `lower(code)` and
 * `lower(asset_number)` do.
 */
export class NameCache {
  readonly #found = new Map<string, { id: string; until: number }>();
  readonly #missing = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #missingTtlMs: number;
  readonly #query: (db: Queryable, lowerNames: string[]) => Promise<{ name: string; id: string }[]>;

  constructor(
    query: (db: Queryable, lowerNames: string[]) => Promise<{ name: string; id: string }[]>,
    ttlMs: number,
    missingTtlMs: number,
  ) {
    this.#query = query;
    this.#ttlMs = ttlMs;
    this.#missingTtlMs = missingTtlMs;
  }

  /** The id of each name (lower-cased key), or no entry when there is none. */
  async resolve(db: Queryable, names: Iterable<string>): Promise<Map<string, string>> {
    const now = Date.now();
    const resolved = new Map<string, string>();
    const wanted = new Set<string>();
    for (const raw of names) {
      const name = raw.toLowerCase();
      const hit = this.#found.get(name);
      if (hit && hit.until > now) resolved.set(name, hit.id);
      else if ((this.#missing.get(name) ?? 0) <= now) wanted.add(name);
    }
    if (wanted.size > 0) {
      const list = [...wanted];
      for (let i = 0; i < list.length; i += 500) {
        for (const row of await this.#query(db, list.slice(i, i + 500))) {
          const name = row.name.toLowerCase();
          resolved.set(name, row.id);
          this.#found.set(name, { id: row.id, until: now + this.#ttlMs });
          wanted.delete(name);
        }
      }
      for (const name of wanted) this.#missing.set(name, now + this.#missingTtlMs);
      if (this.#missing.size > 10_000) this.#prune(now);
    }
    return resolved;
  }

  #prune(now: number): void {
    for (const [name, until] of this.#missing) if (until <= now) this.#missing.delete(name);
    for (const [name, hit] of this.#found) if (hit.until <= now) this.#found.delete(name);
  }
}

export function machineCodes(ttlMs: number, missingTtlMs: number): NameCache {
  return new NameCache(
    (db, names) =>
      db
        .selectFrom("machines")
        .select(["code as name", "id"])
        .where((eb) => eb(eb.fn("lower", ["code"]), "in", names))
        .execute(),
    ttlMs,
    missingTtlMs,
  );
}

export function toolAssetNumbers(ttlMs: number, missingTtlMs: number): NameCache {
  return new NameCache(
    (db, names) =>
      db
        .selectFrom("tools")
        .select(["asset_number as name", "id"])
        .where((eb) => eb(eb.fn("lower", ["asset_number"]), "in", names))
        .execute(),
    ttlMs,
    missingTtlMs,
  );
}
