import { Worker } from 'node:worker_threads';

/** Why the embedding pool could not answer; the injection detector turns this into a fail-closed finding. */
export class EmbeddingUnavailableError extends Error {
  constructor(
    readonly kind: 'queue_full' | 'timeout' | 'worker_failed' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'EmbeddingUnavailableError';
  }
}

/** Settings of the worker pool. */
export interface EmbeddingPoolOptions {
  /** Worker threads; each holds its own model copy (~30 MB). Default 1. */
  readonly size?: number;
  /** Texts waiting beyond this are refused at once (back-pressure) instead of growing memory. Default 256. */
  readonly maxQueue?: number;
  /** A request not answered within this many ms is rejected. Default 2,000. */
  readonly timeoutMs?: number;
  /** How long a worker may take to load the model. Default 30,000. */
  readonly startTimeoutMs?: number;
  /** Texts sent to one worker in one model call (micro-batching raises throughput under load). Default 16. */
  readonly maxBatch?: number;
  /** Worker script; tests may point it at a failing one. */
  readonly workerUrl?: URL;
}

interface Job {
  readonly texts: readonly string[];
  readonly resolve: (vectors: Float32Array[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  done: boolean;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  inFlight: { id: number; jobs: Job[] } | undefined;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; message: string };

const defaultWorkerUrl = new URL('./embed-worker.mjs', import.meta.url);
const maxRespawns = 3;

/** A bounded pool of worker threads computing sentence embeddings off the event loop. */
export class EmbeddingPool {
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly maxBatch: number;
  private readonly workerUrl: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private respawns = 0;
  private failure: string | undefined;
  private closed = false;
  private started: Promise<void> | undefined;

  constructor(options: EmbeddingPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 1);
    this.maxQueue = options.maxQueue ?? 256;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.maxBatch = Math.max(1, options.maxBatch ?? 16);
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl;
  }

  /** False once the pool is closed or has failed for good (every request would be refused). */
  get available(): boolean {
    return !this.closed && this.failure === undefined;
  }

  /** Starts the workers and resolves when every one has loaded the model; rejects when one cannot. */
  start(): Promise<void> {
    this.started ??= Promise.all(Array.from({ length: this.size }, () => this.spawn())).then(() => undefined);
    return this.started;
  }

  /**
   * Embeds texts (one 512-d unit vector each); rejects with EmbeddingUnavailableError when the pool cannot answer in
   * time. The per-request timeout starts once the workers are up: loading the model (bounded by `startTimeoutMs`) is
   * not counted against the first requests.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new EmbeddingUnavailableError('closed', 'embedding pool closed'));
    if (this.failure !== undefined) return Promise.reject(new EmbeddingUnavailableError('worker_failed', this.failure));
    if (texts.length === 0) return Promise.resolve([]);
    return this.start().then(
      () => this.enqueue(texts),
      (error: unknown) => {
        throw error instanceof EmbeddingUnavailableError
          ? error
          : new EmbeddingUnavailableError('worker_failed', error instanceof Error ? error.message : String(error));
      },
    );
  }

  private enqueue(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new EmbeddingUnavailableError('closed', 'embedding pool closed'));
    const queued = this.queue.reduce((n, job) => n + job.texts.length, 0);
    if (queued + texts.length > this.maxQueue) {
      return Promise.reject(new EmbeddingUnavailableError('queue_full', `embedding queue full (${this.maxQueue})`));
    }
    return new Promise<Float32Array[]>((resolve, reject) => {
      const job: Job = {
        texts,
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => {
          this.settle(job, new EmbeddingUnavailableError('timeout', `embedding timed out after ${this.timeoutMs} ms`));
          const index = this.queue.indexOf(job);
          if (index >= 0) this.queue.splice(index, 1);
        }, this.timeoutMs),
      };
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Terminates the workers and rejects what is still waiting. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      this.settle(job, new EmbeddingUnavailableError('closed', 'embedding pool closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(this.workerUrl);
      const slot: Slot = { worker, ready: false, inFlight: undefined };
      this.slots.push(slot);
      const startTimer = setTimeout(() => {
        this.fail(slot, `embedding worker did not load within ${this.startTimeoutMs} ms`);
        reject(new EmbeddingUnavailableError('worker_failed', 'embedding worker start timed out'));
      }, this.startTimeoutMs);
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(startTimer);
          slot.ready = true;
          resolve();
          this.dispatch();
        } else if (message.type === 'fatal') {
          clearTimeout(startTimer);
          this.fail(slot, `embedding model failed to load: ${message.message}`);
          reject(new EmbeddingUnavailableError('worker_failed', message.message));
        } else {
          this.finish(slot, message);
        }
      });
      worker.on('error', (error) => {
        clearTimeout(startTimer);
        reject(new EmbeddingUnavailableError('worker_failed', error.message));
        this.crash(slot, error.message);
      });
      worker.on('exit', (code) => {
        clearTimeout(startTimer);
        if (!this.closed) this.crash(slot, `embedding worker exited with code ${code}`);
      });
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.inFlight !== undefined) continue;
      const jobs: Job[] = [];
      let count = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0];
        if (next === undefined || (jobs.length > 0 && count + next.texts.length > this.maxBatch)) break;
        this.queue.shift();
        if (next.done) continue;
        jobs.push(next);
        count += next.texts.length;
      }
      if (jobs.length === 0) return;
      const id = this.nextId++;
      slot.inFlight = { id, jobs };
      slot.worker.postMessage({ id, texts: jobs.flatMap((job) => job.texts) });
    }
  }

  private finish(slot: Slot, message: Extract<WorkerMessage, { id: number }>): void {
    const inFlight = slot.inFlight;
    if (inFlight === undefined || inFlight.id !== message.id) return;
    slot.inFlight = undefined;
    if (message.type === 'error') {
      for (const job of inFlight.jobs)
        this.settle(job, new EmbeddingUnavailableError('worker_failed', message.message));
    } else {
      let offset = 0;
      for (const job of inFlight.jobs) {
        this.settle(job, message.vectors.slice(offset, offset + job.texts.length));
        offset += job.texts.length;
      }
    }
    this.dispatch();
  }

  private settle(job: Job, outcome: Float32Array[] | Error): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  private crash(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    for (const job of slot.inFlight?.jobs ?? [])
      this.settle(job, new EmbeddingUnavailableError('worker_failed', reason));
    if (this.closed) return;
    if (this.respawns < maxRespawns) {
      this.respawns += 1;
      this.spawn().catch(() => undefined);
    } else {
      this.fail(undefined, reason);
    }
  }

  // A pool that cannot load its model stays failed: every later request is refused at once (fail closed).
  private fail(slot: Slot | undefined, reason: string): void {
    this.failure = reason;
    if (slot !== undefined) {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      void slot.worker.terminate();
    }
    for (const job of this.queue.splice(0)) this.settle(job, new EmbeddingUnavailableError('worker_failed', reason));
  }
}
