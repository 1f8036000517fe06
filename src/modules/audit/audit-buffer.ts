import type { OrgId } from '../../lib/ids.js';
import type { AuditEventInput } from './event.js';

/** Where a buffer sends its batches: one org's events in one transaction. */
export type BatchWriter = (orgId: OrgId, events: readonly AuditEventInput[]) => Promise<unknown>;

/** Options of the buffer: how long an event may wait and how many make a batch. */
export interface AuditBufferOptions {
  flushIntervalMs?: number;
  maxBatch?: number;
  /** Called when a batch could not be written even after a retry; the events are then lost and this must alert. */
  onWriteError?: (error: unknown, orgId: OrgId, events: readonly AuditEventInput[]) => void;
}

interface Pending {
  event: AuditEventInput;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for events that need not commit with a mutation (read decisions): events are batched per
 * org and written every `flushIntervalMs`, and `add` resolves once the event's batch is stored. A caller
 * that waits for it before answering (the HTTP layer does) never acknowledges a request whose decision
 * a `kill -9` could lose; a caller that does not wait risks at most `flushIntervalMs` of events.
 */
export class AuditBuffer {
  private readonly queues = new Map<OrgId, Pending[]>();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
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
      else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
    });
  }

  /** Number of events not yet handed to the writer. */
  get pending(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /** Writes everything queued so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.queues.entries()];
    this.queues.clear();
    // Chain flushes so batches of one org are written in the order their events were added.
    this.inFlight = this.inFlight.then(() => this.writeAll(batches));
    return this.inFlight;
  }

  /** Flushes and refuses further events (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writeAll(batches: [OrgId, Pending[]][]): Promise<void> {
    await Promise.all(
      batches.flatMap(([orgId, pending]) => {
        const chunks: Pending[][] = [];
        for (let i = 0; i < pending.length; i += this.maxBatch) chunks.push(pending.slice(i, i + this.maxBatch));
        return chunks.map((chunk) => this.writeWithRetry(orgId, chunk));
      }),
    );
  }

  private async writeWithRetry(orgId: OrgId, pending: Pending[]): Promise<void> {
    const events = pending.map((p) => p.event);
    try {
      await this.write(orgId, events);
    } catch {
      try {
        await this.write(orgId, events);
      } catch (error) {
        this.options.onWriteError?.(error, orgId, events);
        for (const p of pending) p.reject(error);
        return;
      }
    }
    for (const p of pending) p.resolve();
  }
}
