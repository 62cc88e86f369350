import type { SecretKey } from "./secret-key.ts";

/**
 * The master key the running process uses now, and during a key rotation the one before it
 * (docs/security.md "Rotating the key"). Photos and backups ask it for the key at each use, so a
 * rotation inside the running server switches new photos and the next backup to the new key at
 * once, while photos not yet rewrapped are still read with the previous key.
 */
export class KeyRing {
  #current: SecretKey | undefined;
  #previous: SecretKey | undefined;
  /** Writes sealing with a key that have not finished yet (see `sealing`). */
  readonly #inFlight = new Map<SecretKey, Set<Promise<unknown>>>();

  constructor(current: SecretKey | undefined) {
    this.#current = current;
  }

  get current(): SecretKey | undefined {
    return this.#current;
  }

  get previous(): SecretKey | undefined {
    return this.#previous;
  }

  /** The keys an existing object may be sealed with, the current one first. */
  readable(): SecretKey[] {
    return [this.#current, this.#previous].filter((k): k is SecretKey => k !== undefined);
  }

  /** From now on `next` seals; the current key stays readable until `forgetPrevious`. */
  rotate(next: SecretKey): void {
    this.#previous = this.#current;
    this.#current = next;
  }

  /**
   * Runs a write that seals with the current key and records it (e.g. a photo: objects sealed,
   * then its row committed). A rotation waits for the writes begun under the previous key
   * (`settled`) before it lists what to rewrap: otherwise an upload sealed just before the switch,
   * whose row commits after the rewrap pass went by, would stay under a key about to be forgotten.
   */
  sealing<T>(write: (key: SecretKey | undefined) => Promise<T>): Promise<T> {
    const key = this.#current;
    const run = write(key);
    if (key === undefined) return run;
    let writes = this.#inFlight.get(key);
    if (!writes) this.#inFlight.set(key, (writes = new Set()));
    const tracked = writes;
    tracked.add(run);
    void run
      .finally(() => {
        tracked.delete(run);
        if (tracked.size === 0 && this.#inFlight.get(key) === tracked) this.#inFlight.delete(key);
      })
      .catch(() => {}); // the caller handles the write's own error
    return run;
  }

  /** Resolves once every write begun with `key` through `sealing` has finished (either way). */
  async settled(key: SecretKey): Promise<void> {
    await Promise.allSettled([...(this.#inFlight.get(key) ?? [])]);
  }

  forgetPrevious(): void {
    this.#previous = undefined;
  }
}
