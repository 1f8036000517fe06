import type { OrgId } from '../../../lib/ids.js';

/** Runs a batch of one org's items in one transaction and answers each item, in order. */
export type OrgBatchRunner<T, R> = (orgId: OrgId, items: readonly T[]) => Promise<R[]>;

interface Queued<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit per org: an org with no batch in flight runs its items at the end of the event-loop turn; items that
 * arrive while a batch is in flight go together as soon as it ends. One org's batches run one after another, so its
 * shared rows are locked by one transaction at a time instead of by every call.
 * SECURITY: one item that cannot be done never fails the items batched with it: a failed batch is run again one item
 * per transaction, and only the items that fail on their own are rejected.
 */
export class OrgBatches<T, R> {
  readonly #queues = new Map<OrgId, Queued<T, R>[]>();
  readonly #running = new Set<OrgId>();

  constructor(
    private readonly run: OrgBatchRunner<T, R>,
    private readonly maxBatch = 100,
  ) {}

  /** Queues an item for the org's next batch; resolves with its result once that batch has committed. */
  add(orgId: OrgId, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.#queues.get(orgId) ?? [];
      queue.push({ item, resolve, reject });
      this.#queues.set(orgId, queue);
      if (queue.length === 1 && !this.#running.has(orgId)) setImmediate(() => void this.#drain(orgId));
    });
  }

  async #drain(orgId: OrgId): Promise<void> {
    const queue = this.#queues.get(orgId);
    if (this.#running.has(orgId) || !queue || queue.length === 0) return;
    const batch = queue.splice(0, this.maxBatch);
    if (queue.length === 0) this.#queues.delete(orgId);
    this.#running.add(orgId);
    try {
      await this.#runBatch(orgId, batch);
    } finally {
      this.#running.delete(orgId);
      if (this.#queues.has(orgId)) void this.#drain(orgId);
    }
  }

  async #runBatch(orgId: OrgId, batch: Queued<T, R>[]): Promise<void> {
    try {
      const results = await this.run(
        orgId,
        batch.map((q) => q.item),
      );
      batch.forEach((q, i) => q.resolve(results[i] as R));
      return;
    } catch (error) {
      if (batch.length === 1) return batch[0]?.reject(error);
    }
    // The batch rolled back as a whole, so each item is tried again alone.
    for (const q of batch) {
      try {
        const [result] = await this.run(orgId, [q.item]);
        q.resolve(result as R);
      } catch (error) {
        q.reject(error);
      }
    }
  }
}
