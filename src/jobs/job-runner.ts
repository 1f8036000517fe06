import type { Clock } from '../lib/clock.js';
import type { Db } from '../platform/db/index.js';
import { completeJob, failJob, leaseJobs, retryDelayMs, type LeasedJob } from '../platform/jobs/index.js';

/** Runs one job of a kind. Throwing fails this try: the job is retried with backoff until its last attempt. */
export type JobHandler = (job: LeasedJob) => Promise<void>;

/**
 * Work that scans for what has come due instead of being enqueued (recovery retries, whose due times live in their
 * own table). It must be safe to run on several nodes at once: the runner of every node runs it.
 */
export type Sweep = (now: Date) => Promise<unknown>;

/** How a runner polls, leases and retries. */
export interface JobRunnerOptions {
  db: Db;
  clock: Clock;
  /** Pause between polls when the last one found nothing due. */
  pollIntervalMs: number;
  /** How long a leased job stays with this runner; a job still running then is taken by another. */
  leaseMs: number;
  /** Jobs leased (and run concurrently) per poll. */
  batchSize: number;
  /** First retry delay and its cap (exponential backoff with jitter between). */
  retryBaseMs: number;
  retryCapMs: number;
  /** A job that failed, a lost lease, or a poll that failed (no job); logged by the caller. */
  onError?: (error: unknown, job?: LeasedJob) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The background job runner: polls the `jobs` table, leases due jobs of every org (several runners on one database
 * never lease the same job), runs each with the handler registered for its kind, and records success, a retry with
 * backoff, or death after the last attempt.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly sweeps: { name: string; everyMs: number; sweep: Sweep; lastRunMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(private readonly options: JobRunnerOptions) {}

  /** Registers the handler of a job kind (one per kind). */
  register(kind: string, handler: JobHandler): this {
    if (this.handlers.has(kind)) throw new Error(`a handler of job kind ${kind} is already registered`);
    this.handlers.set(kind, handler);
    return this;
  }

  /** Adds a sweep, run from the poll loop at most every `everyMs` of the clock (first at the first poll). */
  every(name: string, everyMs: number, sweep: Sweep): this {
    if (this.sweeps.some((s) => s.name === name)) throw new Error(`a sweep named ${name} is already added`);
    this.sweeps.push({ name, everyMs, sweep, lastRunMs: Number.NEGATIVE_INFINITY });
    return this;
  }

  /** Starts polling. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the jobs being run to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll: leases the due jobs and runs them. Answers how many it leased. */
  async runDue(): Promise<number> {
    const { db, clock, leaseMs, batchSize } = this.options;
    const jobs = await db.withPlatform((sql) => leaseJobs(sql, clock.now(), leaseMs, batchSize));
    await Promise.all(jobs.map((job) => this.run(job)));
    return jobs.length;
  }

  /** Polls until nothing is due (tests, and draining a backlog). */
  async drain(): Promise<void> {
    while ((await this.runDue()) > 0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const pass = this.runSweeps()
        .then(() => this.runDue())
        .catch((error: unknown) => {
          this.options.onError?.(error);
          return 0;
        });
      this.running = pass;
      void pass.then((leased) => this.schedule(leased > 0 ? 0 : this.options.pollIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private async runSweeps(): Promise<void> {
    const now = this.options.clock.now();
    for (const entry of this.sweeps) {
      if (now.getTime() - entry.lastRunMs < entry.everyMs) continue;
      entry.lastRunMs = now.getTime();
      // One failing sweep neither stops the others nor the jobs; it runs again at its next turn.
      await entry.sweep(now).catch((error: unknown) => this.options.onError?.(error));
    }
  }

  private async run(job: LeasedJob): Promise<void> {
    const { db, clock, retryBaseMs, retryCapMs, onError } = this.options;
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job);
    } catch (error) {
      onError?.(error, job);
      const delay = retryDelayMs(job.attempt, retryBaseMs, retryCapMs);
      await db
        .withPlatform((sql) => failJob(sql, job, messageOf(error), delay, clock.now()))
        .catch((e: unknown) => {
          onError?.(e, job);
        });
      return;
    }
    const kept = await db
      .withPlatform((sql) => completeJob(sql, job, clock.now()))
      .catch((e: unknown) => {
        onError?.(e, job);
        return true;
      });
    // The lease expired while the handler ran and another runner took the job: it runs (or ran) there again.
    if (!kept) onError?.(new Error(`lease of job ${job.id} was lost before it completed`), job);
  }
}
