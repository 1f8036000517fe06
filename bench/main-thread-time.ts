// What one awaited call costs the main thread: its event-loop busy time, its CPU time and the wall time. Shared by the
// benches that compare a stage on the calling thread with the same stage in a worker.
import { existsSync, readFileSync } from 'node:fs';

/** One measured call. */
export interface MainThreadSample {
  /** CPU time of the main thread while the call ran (nothing else runs there): the most it can have held the loop. */
  readonly cpuMs: number;
  /** Event-loop busy time: the CPU time plus the time the thread, ready to run, waited for a core (shared machine). */
  readonly busyMs: number;
  readonly wallMs: number;
}

// Linux: the main thread's own CPU time in ns (first field), without the workers'; elsewhere the busy time stands in.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const threadCpuNs = (): number | undefined =>
  existsSync(SCHEDSTAT) ? Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) : undefined;

/** Runs `call` (awaited) and measures what it cost the main thread. */
export async function measureMainThread(call: () => unknown): Promise<MainThreadSample> {
  const cpu0 = threadCpuNs();
  const elu = performance.eventLoopUtilization();
  const t0 = performance.now();
  await call();
  const wallMs = performance.now() - t0;
  const busyMs = performance.eventLoopUtilization(elu).active;
  const cpu1 = threadCpuNs();
  return { cpuMs: cpu0 === undefined || cpu1 === undefined ? busyMs : (cpu1 - cpu0) / 1e6, busyMs, wallMs };
}
