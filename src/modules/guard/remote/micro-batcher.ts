/** Settings of a micro-batcher. */
export interface MicroBatchSettings {
  /** Most items in one batch; a full batch is sent at once. */
  readonly maxBatchSize: number;
  /** How long the first item of a batch waits for others before the batch is sent (0: the next turn of the loop). */
  readonly batchWaitMs: number;
}

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects items submitted close together into batches for one call each: a batch is sent when it is full or when
 * its first item has waited `batchWaitMs`. `send` answers one result per item, in order; an answer of the wrong
 * length or a failed call rejects every item of that batch.
 */
export class MicroBatcher<I, O> {
  #queue: Pending<I, O>[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: MicroBatchSettings,
    private readonly send: (items: readonly I[]) => Promise<readonly O[]>,
  ) {}

  /** Queues one item; resolves with its result once its batch has been answered. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#queue.length >= this.settings.maxBatchSize) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.settings.batchWaitMs);
    });
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    // INVARIANT: the queue never holds more than one batch: submit flushes as soon as it is full.
    const batch = this.#queue;
    this.#queue = [];
    void this.#sendBatch(batch);
  }

  async #sendBatch(batch: readonly Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.send(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`${results.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(results[i] as O));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
