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

/**
 * Batches events that need not commit with a mutation (read decisions) and writes them per org.
 * Bound on loss: a `kill -9` loses at most the events queued since the last flush, i.e. at most
 * `flushIntervalMs` of traffic (default 50 ms); a graceful shutdown calls `close()`, which flushes all.
 */
export class AuditBuffer {
  private readonly queues = new Map<OrgId, AuditEventInput[]>();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly write: BatchWriter,
    private readonly options: AuditBufferOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Queues an event; it is written within `flushIntervalMs`. */
  add(event: AuditEventInput): void {
    if (this.closed) throw new Error('audit buffer is closed');
    const queue = this.queues.get(event.orgId) ?? [];
    queue.push(event);
    this.queues.set(event.orgId, queue);
    if (queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
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

  private async writeAll(batches: [OrgId, AuditEventInput[]][]): Promise<void> {
    await Promise.all(
      batches.flatMap(([orgId, events]) => {
        const chunks: AuditEventInput[][] = [];
        for (let i = 0; i < events.length; i += this.maxBatch) chunks.push(events.slice(i, i + this.maxBatch));
        return chunks.map((chunk) => this.writeWithRetry(orgId, chunk));
      }),
    );
  }

  private async writeWithRetry(orgId: OrgId, events: AuditEventInput[]): Promise<void> {
    try {
      await this.write(orgId, events);
    } catch {
      try {
        await this.write(orgId, events);
      } catch (error) {
        this.options.onWriteError?.(error, orgId, events);
      }
    }
  }
}
