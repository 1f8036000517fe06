import type { Reporter, TestCase, TestModule } from 'vitest/node';

// A test file that runs this long is named on stderr, with the last test it started, every CHECK_MS while it runs on.
const STALL_MS = 5 * 60_000;
const CHECK_MS = 60_000;

interface Running {
  readonly since: number;
  test: string;
}

/**
 * Names the test files that stall. Vitest prints a file only when it finishes, so a file that never does (a hang no
 * test timeout catches: blocked event loop, lost worker) leaves no trace in the log but its silence. A file's
 * time counts from when a worker takes it up; the last test started is as the worker last reported it (a blocked
 * worker reports nothing). Prints nothing unless a file has run for more than STALL_MS.
 */
export default class StallReporter implements Reporter {
  readonly #running = new Map<string, Running>();
  #timer: NodeJS.Timeout | undefined;

  onTestRunStart(): void {
    this.#timer = setInterval(() => this.#report(), CHECK_MS);
    this.#timer.unref();
  }

  onTestModuleQueued(module: TestModule): void {
    this.#running.set(module.moduleId, { since: Date.now(), test: '(none yet: loading the file)' });
  }

  onTestCaseReady(test: TestCase): void {
    const running = this.#running.get(test.module.moduleId);
    if (running) running.test = test.fullName;
  }

  onTestModuleEnd(module: TestModule): void {
    this.#running.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    clearInterval(this.#timer);
  }

  #report(): void {
    const now = Date.now();
    for (const [file, { since, test }] of this.#running) {
      const ms = now - since;
      if (ms < STALL_MS) continue;
      process.stderr.write(`[stall] ${file} has run ${Math.round(ms / 1000)} s; last test started: ${test}\n`);
    }
  }
}
