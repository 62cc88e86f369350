/**
 * Counts failed logins per client address in a sliding window, in memory. It complements
 * the per-account lockout (stored in the database): it slows down one client guessing
 * many usernames. With several instances each keeps its own count, which is acceptable.
 */
export class FailureThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, number[]>();

  constructor(max: number, windowMs: number) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Seconds until the client may try again, or 0 when it may try now. */
  retryAfter(key: string, now = Date.now()): number {
    const recent = this.#recent(key, now);
    if (recent.length < this.#max) return 0;
    return Math.ceil((recent[0] + this.#windowMs - now) / 1000);
  }

  fail(key: string, now = Date.now()): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#failures.set(key, recent);
    if (this.#failures.size > 10_000) this.#sweep(now);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
  }

  #sweep(now: number): void {
    for (const [key, times] of this.#failures) {
      if (times.every((t) => t <= now - this.#windowMs)) this.#failures.delete(key);
    }
  }
}
