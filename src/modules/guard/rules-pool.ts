import type { Finding } from './detector.js';
import type { InjectionStageOneResult } from './injection/injection-stage-one.js';
import { WorkerPool, WorkerUnavailableError } from './worker-pool.js';

/** The CPU-bound stages the guard rules worker runs. */
export type RulesStage = 'names' | 'injection';

/** One text for one stage of the rules worker. */
export interface RulesTask {
  readonly stage: RulesStage;
  readonly text: string;
}

/** What the rules worker answers for one task: the stage it ran and its result. */
export type RulesAnswer =
  | { readonly stage: 'names'; readonly findings: Finding[] }
  | { readonly stage: 'injection'; readonly result: InjectionStageOneResult };

/** Settings of the guard rules worker pool. */
export interface GuardRulesPoolOptions {
  /** Worker threads; each holds its own compromise model (~40 MB) and the injection model (~11 MB). Default 1. */
  readonly size?: number;
  /** Texts waiting beyond this are refused at once (back-pressure) instead of growing memory. Default 256. */
  readonly maxQueue?: number;
  /** A scan not answered within this many ms, plus {@link GuardRulesPoolOptions.timeoutMsPerKb}, is rejected. Default 2,000. */
  readonly timeoutMs?: number;
  /** Extra ms a scan may take per 1,024 characters of its text. Default 20. */
  readonly timeoutMsPerKb?: number;
  /** How long a worker may take to load compromise and the injection model. Default 30,000. */
  readonly startTimeoutMs?: number;
  /** Texts sent to one worker in one message. Default 16. */
  readonly maxBatch?: number;
  /** Worker script; tests may point it at a failing one. */
  readonly workerUrl?: URL;
}

/**
 * The one worker pool of the guard's CPU-bound rule stages: names and places (compromise) and the injection
 * detector's first stage. Each task names its stage; the answer names the stage it ran.
 */
export type GuardRulesPool = WorkerPool<RulesTask, RulesAnswer>;

const defaultWorkerUrl = new URL('./rules-worker.mjs', import.meta.url);
// The worker imports the stages beside this module: the .ts sources under tsx and vitest (it registers tsx's loader
// first), the compiled .js in dist/.
const sourceExtension = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
const stageUrl = (path: string): string => new URL(`${path}${sourceExtension}`, import.meta.url).href;

/**
 * Creates the pool that runs the guard's rule stages off the event loop. A scan that outlives its timeout gets the
 * worker replaced, so one pathological text holds the stages no longer than that.
 */
export function createGuardRulesPool(options: GuardRulesPoolOptions = {}): GuardRulesPool {
  const { workerUrl, timeoutMsPerKb = 20, ...settings } = options;
  return new WorkerPool<RulesTask, RulesAnswer>({
    ...settings,
    label: 'guard rules',
    workerUrl: workerUrl ?? defaultWorkerUrl,
    workerData: {
      namesUrl: stageUrl('./pii/detect-names-locations'),
      injectionUrl: stageUrl('./injection/injection-stage-one'),
      injectionModelUrl: stageUrl('./injection/injection-model'),
    },
    // compromise's cost grows a little faster than the text (about 9 ms per KB at 100 KB, 15 at 400 KB, idle); the
    // injection first stage adds about 2 ms per KB.
    timeoutAllowanceMs: (tasks) => (tasks.reduce((n, t) => n + t.text.length, 0) / 1024) * timeoutMsPerKb,
    recycleOnTimeout: true,
  });
}

type AnswerOf<S extends RulesStage> = Extract<RulesAnswer, { stage: S }>;

const answers = <S extends RulesStage>(answer: RulesAnswer | undefined, stage: S): answer is AnswerOf<S> =>
  answer?.stage === stage;

/**
 * Runs one text through one stage of the rules worker. Rejects with WorkerUnavailableError when the pool cannot
 * answer, and when it answers for another stage (INVARIANT: a result is only ever read as the stage that made it).
 */
export async function runRulesStage<S extends RulesStage>(
  pool: GuardRulesPool,
  stage: S,
  text: string,
): Promise<AnswerOf<S>> {
  const [answer] = await pool.run([{ stage, text }]);
  if (!answers(answer, stage))
    throw new WorkerUnavailableError('worker_failed', `guard rules worker: no ${stage} answer`);
  return answer;
}
