import { Worker } from 'node:worker_threads';

/** Why a worker pool could not answer. */
export type WorkerUnavailableKind = 'queue_full' | 'timeout' | 'worker_failed' | 'closed';

/** Why a worker pool could not answer; the detectors behind a pool turn this into a fail-closed finding. */
export class WorkerUnavailableError extends Error {
  constructor(
    readonly kind: WorkerUnavailableKind,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerUnavailableError';
  }
}

/** Settings of a worker pool. */
export interface WorkerPoolOptions<I> {
  /** What the workers compute, for error messages ("embedding", "names"). */
  readonly label: string;
  /** Worker script: answers `{id, inputs}` with `{type: 'result', id, outputs}` (one output per input, in order). */
  readonly workerUrl: URL;
  /** Handed to every worker as `workerData`. */
  readonly workerData?: unknown;
  /** Worker threads. Default 1. */
  readonly size?: number;
  /** Inputs waiting beyond this are refused at once (back-pressure) instead of growing memory. Default 256. */
  readonly maxQueue?: number;
  /** A request not answered within this many ms is rejected. Default 2,000. */
  readonly timeoutMs?: number;
  /** Extra ms a request may take for its inputs (e.g. by their length), added to `timeoutMs`. Default none. */
  readonly timeoutAllowanceMs?: (inputs: readonly I[]) => number;
  /** How long a worker may take to start (load its model). Default 30,000. */
  readonly startTimeoutMs?: number;
  /** Inputs sent to one worker in one message (micro-batching raises throughput under load). Default 16. */
  readonly maxBatch?: number;
  /**
   * Terminate and replace a worker once every request of the batch it is computing has timed out, so one input that
   * takes far too long holds the pool no longer than the timeout. Off by default: a replaced worker reloads its model.
   */
  readonly recycleOnTimeout?: boolean;
  /** Builds the error the pool rejects with, so each pool can keep its own error class. */
  readonly unavailable?: (kind: WorkerUnavailableKind, message: string) => WorkerUnavailableError;
}

interface Job<O> {
  readonly inputs: readonly unknown[];
  readonly resolve: (outputs: O[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  done: boolean;
}

interface Slot<O> {
  worker: Worker;
  ready: boolean;
  inFlight: { id: number; jobs: Job<O>[] } | undefined;
}

type WorkerMessage<O> =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; outputs: O[] }
  | { type: 'error'; id: number; message: string };

// Crashes (not recycles) a pool survives; one more and it fails for good.
const maxRespawns = 3;

/** A bounded pool of worker threads answering batches of inputs off the event loop. */
export class WorkerPool<I, O> {
  private readonly label: string;
  private readonly workerUrl: URL;
  private readonly workerData: unknown;
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly timeoutAllowanceMs: ((inputs: readonly I[]) => number) | undefined;
  private readonly startTimeoutMs: number;
  private readonly maxBatch: number;
  private readonly recycleOnTimeout: boolean;
  private readonly unavailable: (kind: WorkerUnavailableKind, message: string) => WorkerUnavailableError;
  private readonly slots: Slot<O>[] = [];
  private readonly queue: Job<O>[] = [];
  private nextId = 1;
  private respawns = 0;
  private failure: string | undefined;
  private closed = false;
  private started: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions<I>) {
    this.label = options.label;
    this.workerUrl = options.workerUrl;
    this.workerData = options.workerData;
    this.size = Math.max(1, options.size ?? 1);
    this.maxQueue = options.maxQueue ?? 256;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.timeoutAllowanceMs = options.timeoutAllowanceMs;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.maxBatch = Math.max(1, options.maxBatch ?? 16);
    this.recycleOnTimeout = options.recycleOnTimeout ?? false;
    this.unavailable = options.unavailable ?? ((kind, message) => new WorkerUnavailableError(kind, message));
  }

  /** False once the pool is closed or has failed for good (every request would be refused). */
  get available(): boolean {
    return !this.closed && this.failure === undefined;
  }

  /** Starts the workers and resolves when every one is ready; rejects when one cannot start. */
  start(): Promise<void> {
    this.started ??= Promise.all(Array.from({ length: this.size }, () => this.spawn())).then(() => undefined);
    return this.started;
  }

  /**
   * Computes one output per input; rejects with the pool's WorkerUnavailableError when the pool cannot answer in
   * time. The per-request timeout starts once the workers are up: starting them (bounded by `startTimeoutMs`) is not
   * counted against the first requests.
   */
  run(inputs: readonly I[]): Promise<O[]> {
    if (this.closed) return Promise.reject(this.unavailable('closed', `${this.label} pool closed`));
    if (this.failure !== undefined) return Promise.reject(this.unavailable('worker_failed', this.failure));
    if (inputs.length === 0) return Promise.resolve([]);
    return this.start().then(
      () => this.enqueue(inputs),
      (error: unknown) => {
        // A start that failed because a worker died is being respawned: wait for the replacement (the request's
        // timeout bounds it) rather than refuse every request for good.
        if (this.failure === undefined && !this.closed && this.slots.length > 0) return this.enqueue(inputs);
        throw error instanceof WorkerUnavailableError
          ? error
          : this.unavailable('worker_failed', error instanceof Error ? error.message : String(error));
      },
    );
  }

  /** Terminates the workers and rejects what is still waiting. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, this.unavailable('closed', `${this.label} pool closed`));
    const slots = this.slots.splice(0);
    for (const slot of slots)
      for (const job of slot.inFlight?.jobs ?? [])
        this.settle(job, this.unavailable('closed', `${this.label} pool closed`));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private enqueue(inputs: readonly I[]): Promise<O[]> {
    if (this.closed) return Promise.reject(this.unavailable('closed', `${this.label} pool closed`));
    const queued = this.queue.reduce((n, job) => n + job.inputs.length, 0);
    if (queued + inputs.length > this.maxQueue) {
      return Promise.reject(this.unavailable('queue_full', `${this.label} queue full (${this.maxQueue})`));
    }
    const timeoutMs = this.timeoutMs + Math.max(0, this.timeoutAllowanceMs?.(inputs) ?? 0);
    return new Promise<O[]>((resolve, reject) => {
      const job: Job<O> = {
        inputs,
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => this.expire(job, timeoutMs), timeoutMs),
      };
      this.queue.push(job);
      this.dispatch();
    });
  }

  private expire(job: Job<O>, timeoutMs: number): void {
    this.settle(job, this.unavailable('timeout', `${this.label} timed out after ${Math.round(timeoutMs)} ms`));
    const index = this.queue.indexOf(job);
    if (index >= 0) this.queue.splice(index, 1);
    if (!this.recycleOnTimeout || this.closed) return;
    // INVARIANT: a worker is replaced only when no caller still waits for the batch it is computing.
    const slot = this.slots.find((s) => s.inFlight?.jobs.includes(job) === true);
    if (slot === undefined || slot.inFlight?.jobs.some((j) => !j.done) !== false) return;
    this.remove(slot);
    this.spawn().catch(() => undefined);
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(this.workerUrl, { workerData: this.workerData });
      const slot: Slot<O> = { worker, ready: false, inFlight: undefined };
      this.slots.push(slot);
      const startTimer = setTimeout(() => {
        this.fail(slot, `${this.label} worker did not start within ${this.startTimeoutMs} ms`);
        reject(this.unavailable('worker_failed', `${this.label} worker start timed out`));
      }, this.startTimeoutMs);
      worker.on('message', (message: WorkerMessage<O>) => {
        if (message.type === 'ready') {
          clearTimeout(startTimer);
          slot.ready = true;
          resolve();
          this.dispatch();
        } else if (message.type === 'fatal') {
          clearTimeout(startTimer);
          this.fail(slot, `${this.label} worker failed to start: ${message.message}`);
          reject(this.unavailable('worker_failed', message.message));
        } else {
          this.finish(slot, message);
        }
      });
      worker.on('error', (error) => {
        clearTimeout(startTimer);
        reject(this.unavailable('worker_failed', error.message));
        this.crash(slot, error.message);
      });
      worker.on('exit', (code) => {
        clearTimeout(startTimer);
        const reason = `${this.label} worker exited with code ${code}`;
        // A worker that exits before it is ready would otherwise leave start() waiting forever.
        reject(this.unavailable('worker_failed', reason));
        if (!this.closed) this.crash(slot, reason);
      });
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.inFlight !== undefined) continue;
      const jobs: Job<O>[] = [];
      let count = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0];
        if (next === undefined || (jobs.length > 0 && count + next.inputs.length > this.maxBatch)) break;
        this.queue.shift();
        if (next.done) continue;
        jobs.push(next);
        count += next.inputs.length;
      }
      if (jobs.length === 0) return;
      const id = this.nextId++;
      slot.inFlight = { id, jobs };
      slot.worker.postMessage({ id, inputs: jobs.flatMap((job) => job.inputs) });
    }
  }

  private finish(slot: Slot<O>, message: Extract<WorkerMessage<O>, { id: number }>): void {
    const inFlight = slot.inFlight;
    if (inFlight === undefined || inFlight.id !== message.id) return;
    slot.inFlight = undefined;
    const expected = inFlight.jobs.reduce((n, job) => n + job.inputs.length, 0);
    // INVARIANT: outputs are matched to callers by position, so a reply of the wrong length answers nobody.
    if (message.type === 'error' || !Array.isArray(message.outputs) || message.outputs.length !== expected) {
      const reason = message.type === 'error' ? message.message : `${this.label} worker answered a malformed batch`;
      for (const job of inFlight.jobs) this.settle(job, this.unavailable('worker_failed', reason));
    } else {
      let offset = 0;
      for (const job of inFlight.jobs) {
        this.settle(job, message.outputs.slice(offset, offset + job.inputs.length));
        offset += job.inputs.length;
      }
    }
    this.dispatch();
  }

  private settle(job: Job<O>, outcome: O[] | Error): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  // Takes a slot out of service; its exit is then not a crash.
  private remove(slot: Slot<O>): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.worker.terminate();
  }

  private crash(slot: Slot<O>, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    for (const job of slot.inFlight?.jobs ?? []) this.settle(job, this.unavailable('worker_failed', reason));
    if (this.closed) return;
    if (this.respawns < maxRespawns) {
      this.respawns += 1;
      this.spawn().catch(() => undefined);
    } else {
      this.fail(undefined, reason);
    }
  }

  // A pool whose workers cannot start stays failed: every later request is refused at once (fail closed).
  private fail(slot: Slot<O> | undefined, reason: string): void {
    this.failure = reason;
    if (slot !== undefined) this.remove(slot);
    for (const job of this.queue.splice(0)) this.settle(job, this.unavailable('worker_failed', reason));
  }
}
