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

  forgetPrevious(): void {
    this.#previous = undefined;
  }
}
