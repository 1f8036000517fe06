import { WorkerPool, WorkerUnavailableError, type WorkerUnavailableKind } from '../worker-pool.js';

/** Why the embedding pool could not answer; the injection detector turns this into a fail-closed finding. */
export class EmbeddingUnavailableError extends WorkerUnavailableError {
  constructor(kind: WorkerUnavailableKind, message: string) {
    super(kind, message);
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

const defaultWorkerUrl = new URL('./embed-worker.mjs', import.meta.url);

/** A bounded pool of worker threads computing sentence embeddings off the event loop. */
export class EmbeddingPool {
  private readonly pool: WorkerPool<string, Float32Array>;

  constructor(options: EmbeddingPoolOptions = {}) {
    const { workerUrl, ...settings } = options;
    this.pool = new WorkerPool({
      ...settings,
      label: 'embedding',
      workerUrl: workerUrl ?? defaultWorkerUrl,
      unavailable: (kind, message) => new EmbeddingUnavailableError(kind, message),
    });
  }

  /** False once the pool is closed or has failed for good (every request would be refused). */
  get available(): boolean {
    return this.pool.available;
  }

  /** Starts the workers and resolves when every one has loaded the model; rejects when one cannot. */
  start(): Promise<void> {
    return this.pool.start();
  }

  /**
   * Embeds texts (one 512-d unit vector each); rejects with EmbeddingUnavailableError when the pool cannot answer in
   * time. The per-request timeout starts once the workers are up: loading the model (bounded by `startTimeoutMs`) is
   * not counted against the first requests.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.pool.run(texts);
  }

  /** Terminates the workers and rejects what is still waiting. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
