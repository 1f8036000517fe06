import type { Finding } from '../detector.js';
import { WorkerPool } from '../worker-pool.js';

/** Settings of the names worker pool. */
export interface NamesPoolOptions {
  /** Worker threads; each holds its own compromise model (~40 MB). Default 1. */
  readonly size?: number;
  /** Texts waiting beyond this are refused at once (back-pressure) instead of growing memory. Default 256. */
  readonly maxQueue?: number;
  /** A scan not answered within this many ms, plus {@link NamesPoolOptions.timeoutMsPerKb}, is rejected. Default 2,000. */
  readonly timeoutMs?: number;
  /** Extra ms a scan may take per 1,024 characters of its text. Default 20. */
  readonly timeoutMsPerKb?: number;
  /** How long a worker may take to load compromise. Default 30,000. */
  readonly startTimeoutMs?: number;
  /** Texts sent to one worker in one message. Default 16. */
  readonly maxBatch?: number;
  /** Worker script; tests may point it at a failing one. */
  readonly workerUrl?: URL;
}

/** A pool of worker threads running detectNamesAndLocations; one Finding[] per text, offsets into that text. */
export type NamesPool = WorkerPool<string, Finding[]>;

const defaultWorkerUrl = new URL('./names-worker.mjs', import.meta.url);
// The worker imports the detector beside this module: the .ts source under tsx and vitest (it registers tsx's loader
// first), the compiled .js in dist/.
const detectorUrl = new URL(
  new URL(import.meta.url).pathname.endsWith('.ts') ? './detect-names-locations.ts' : './detect-names-locations.js',
  import.meta.url,
);

/**
 * Creates the pool that runs the names-and-places stage (compromise) off the event loop. A scan that outlives its
 * timeout gets the worker replaced, so one pathological text holds the stage no longer than that.
 */
export function createNamesPool(options: NamesPoolOptions = {}): NamesPool {
  const { workerUrl, timeoutMsPerKb = 20, ...settings } = options;
  return new WorkerPool<string, Finding[]>({
    ...settings,
    label: 'names',
    workerUrl: workerUrl ?? defaultWorkerUrl,
    workerData: { detectorUrl: detectorUrl.href },
    // compromise's cost grows a little faster than the text (about 9 ms per KB at 100 KB, 15 at 400 KB, idle).
    timeoutAllowanceMs: (texts) => (texts.reduce((n, t) => n + t.length, 0) / 1024) * timeoutMsPerKb,
    recycleOnTimeout: true,
  });
}
