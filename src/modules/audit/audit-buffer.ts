import type { OrgId } from '../../lib/ids.js';
import type { AuditEventInput } from './event.js';

/** Where a buffer sends its batches: one org's events in one transaction. */
export type BatchWriter = (orgId: OrgId, events: readonly AuditEventInput[]) => Promise<unknown>;

/** Options of the buffer: how long an event may wait and how many make a batch. */
export interface AuditBufferOptions {
  flushIntervalMs?: number;
  maxBatch?: number;
  /** Called with each event that could not be written even after a retry and a split; it is then lost and this must alert. */
  onWriteError?: (error: unknown, orgId: OrgId, events: readonly AuditEventInput[]) => void;
}

interface Pending {
  event: AuditEventInput;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for events that need not commit with a mutation (read decisions): events are batched per
 * org, and `add` resolves once the event's batch is stored. An org with no batch in flight has its events written
 * at the end of the current event-loop turn; events that arrive while one is in flight go out together as soon as it
 * is stored, and `flushIntervalMs` bounds the wait either way. A caller
 * that waits for it before answering (the HTTP layer does) never acknowledges a request whose decision
 * a `kill -9` could lose; a caller that does not wait risks at most `flushIntervalMs` of events.
 *
 * INVARIANT: one org's batches are written one after another, in the order their events were added (its
 * hash chain is appended in that order); different orgs are written in parallel.
 * SECURITY: one unwritable event never fails the events batched with it: a failed batch is retried once, then
 * split in halves until only the events that cannot be written fail (one caller's bad input cannot turn
 * other principals' reads into 503s).
 */
export class AuditBuffer {
  private readonly queues = new Map<OrgId, Pending[]>();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The last write of each org; the next batch of that org starts after it. */
  private readonly tails = new Map<OrgId, Promise<void>>();
  private closed = false;

  constructor(
    private readonly write: BatchWriter,
    private readonly options: AuditBufferOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 10;
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Queues an event for the next batch; resolves when that batch is stored, rejects when it could not be. */
  add(event: AuditEventInput): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit buffer is closed'));
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues.get(event.orgId) ?? [];
      queue.push({ event, resolve, reject });
      this.queues.set(event.orgId, queue);
      if (queue.length >= this.maxBatch) void this.flush();
      else if (!this.tails.has(event.orgId)) this.flushSoon();
      else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
    });
  }

  // At the end of this event-loop turn, so the events added by the callbacks of one turn share a batch.
  private flushSoon(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      void this.flush();
    });
  }

  /** Number of events not yet handed to the writer. */
  get pending(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /** Writes everything queued so far; resolves when it (and every earlier batch) is stored or has failed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
    const batches = [...this.queues.entries()];
    this.queues.clear();
    for (const [orgId, pending] of batches) {
      const previous = this.tails.get(orgId) ?? Promise.resolve();
      const tail: Promise<void> = previous.then(() => this.writeInChunks(orgId, pending));
      this.tails.set(orgId, tail);
      // Forget an org's tail once it is the last one, so idle orgs do not accumulate.
      void tail.then(() => {
        if (this.tails.get(orgId) === tail) this.tails.delete(orgId);
        // Events that waited for this batch go out now rather than at the interval.
        if (!this.closed && this.queues.has(orgId)) this.flushSoon();
      });
    }
    return Promise.all([...this.tails.values()]).then(() => undefined);
  }

  /** Flushes and refuses further events (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writeInChunks(orgId: OrgId, pending: Pending[]): Promise<void> {
    for (let i = 0; i < pending.length; i += this.maxBatch)
      await this.writeWithRetry(orgId, pending.slice(i, i + this.maxBatch));
  }

  private async writeWithRetry(orgId: OrgId, pending: Pending[]): Promise<void> {
    if (await this.tryWrite(orgId, pending)) return;
    // A second try covers a transient failure (connection reset, serialization failure) of the whole batch.
    const error = await this.tryWriteOrError(orgId, pending);
    if (error === undefined) return;
    if (pending.length === 1) return this.fail(orgId, pending, error);
    await this.writeSplit(orgId, pending);
  }

  /** Bisects a failed batch, in order, until each part is written or is a single event that fails. */
  private async writeSplit(orgId: OrgId, pending: Pending[]): Promise<void> {
    const middle = Math.ceil(pending.length / 2);
    for (const part of [pending.slice(0, middle), pending.slice(middle)]) {
      const error = await this.tryWriteOrError(orgId, part);
      if (error === undefined) continue;
      if (part.length === 1) this.fail(orgId, part, error);
      else await this.writeSplit(orgId, part);
    }
  }

  private async tryWrite(orgId: OrgId, pending: Pending[]): Promise<boolean> {
    return (await this.tryWriteOrError(orgId, pending)) === undefined;
  }

  /** Writes the events; resolves their callers and returns undefined, or returns the error (callers untouched). */
  private async tryWriteOrError(orgId: OrgId, pending: Pending[]): Promise<unknown> {
    try {
      await this.write(
        orgId,
        pending.map((p) => p.event),
      );
    } catch (error) {
      return error ?? new Error('audit write failed');
    }
    for (const p of pending) p.resolve();
    return undefined;
  }

  private fail(orgId: OrgId, pending: Pending[], error: unknown): void {
    try {
      this.options.onWriteError?.(
        error,
        orgId,
        pending.map((p) => p.event),
      );
    } catch {
      // An alerting hook that throws must not leave callers waiting.
    }
    for (const p of pending) p.reject(error);
  }
}
