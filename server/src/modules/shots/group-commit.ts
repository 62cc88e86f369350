/**
 * Group commit at the application level: single writes that arrive while a batch is being
 * committed wait, and go together in the next batch (one transaction for all of them). Each
 * caller is answered with its own result only after its batch has committed.
 *
 * Why: every commit costs a WAL flush (PostgreSQL) or a transaction (SQLite), and concurrent
 * writers of one tool queue on that tool's row; fifty writers pay for one commit instead of
 * fifty. A batch that fails as a whole is retried item by item, so one item the database
 * refuses fails alone, exactly as it would have without its batch-mates.
 */
export class GroupCommit<Item, Result> {
  readonly #commit: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  readonly #conflictKey: ((item: Item) => string | undefined) | undefined;
  readonly #onBatch: ((size: number) => void) | undefined;
  #queue: Waiting<Item, Result>[] = [];
  #running = false;

  /**
   * @param commit stores the items in one transaction, answering one result per item, in order.
   * @param conflictKey items with the same key never share a batch (the later one waits for the
   *   next), so a batch means the same as its items one after another even where the batch
   *   logic would treat a repeated key differently (e.g. an idempotency key whose first use was refused).
   */
  constructor(options: {
    commit: (items: Item[]) => Promise<Result[]>;
    maxBatch: number;
    conflictKey?: (item: Item) => string | undefined;
    /** Told the size of every batch committed (metrics). */
    onBatch?: (size: number) => void;
  }) {
    this.#commit = options.commit;
    this.#maxBatch = options.maxBatch;
    this.#conflictKey = options.conflictKey;
    this.#onBatch = options.onBatch;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // After the current I/O phase: requests read from sockets in the same turn join the batch.
        setImmediate(() => void this.#run());
      }
    });
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#commitBatch(this.#take());
    } finally {
      this.#running = false;
    }
  }

  /** The next batch, in arrival order; items whose key is already in it stay for the next one. */
  #take(): Waiting<Item, Result>[] {
    if (!this.#conflictKey) return this.#queue.splice(0, this.#maxBatch);
    const batch: Waiting<Item, Result>[] = [];
    const later: Waiting<Item, Result>[] = [];
    const keys = new Set<string>();
    for (const waiting of this.#queue) {
      const key = this.#conflictKey(waiting.item);
      if (batch.length >= this.#maxBatch || (key !== undefined && keys.has(key))) {
        later.push(waiting);
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(waiting);
    }
    this.#queue = later;
    return batch;
  }

  async #commitBatch(batch: Waiting<Item, Result>[]): Promise<void> {
    let results: Result[];
    try {
      results = await this.#commit(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // Nothing of the batch was stored: each item again on its own, so the error stays with its cause.
      for (const waiting of batch) await this.#commitBatch([waiting]);
      return;
    }
    this.#onBatch?.(batch.length);
    batch.forEach((waiting, i) => waiting.resolve(results[i]));
  }
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}
