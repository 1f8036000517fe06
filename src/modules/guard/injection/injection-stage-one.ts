import type { EmbeddedInstruction } from './detect-embedded-instructions.js';
import { collectEvidence } from './injection-features.js';
import {
  scoreStageOne,
  strongestFloorSignal,
  type FloorSignal,
  type InjectionModel,
  type StageOne,
} from './injection-model.js';
import type { RuleHit } from './scan-injection-rules.js';

/**
 * What the injection detector's first stage hands on: the fusion inputs and probability, the floor signal, and only
 * the spans a finding can name. INVARIANT: bounded whatever the text (fixed-length inputs, at most one rule hit per
 * rule class, three spans), since it crosses the rules worker's message channel.
 */
export interface InjectionStageOneResult {
  readonly stage: StageOne;
  /** Confidence the signals with their own floor give the text, and the one that gives it. */
  readonly floor: number;
  readonly floorSignal: FloorSignal;
  /** The strongest rule hit of each class that reaches 0.5. */
  readonly rules: readonly RuleHit[];
  readonly embedded: EmbeddedInstruction;
  /** The span of the segment that scored highest lexically. */
  readonly bestSegment: { readonly start: number; readonly end: number } | undefined;
}

function strongestPerClass(hits: readonly RuleHit[]): RuleHit[] {
  const best = new Map<string, RuleHit>();
  for (const hit of hits) {
    const current = best.get(hit.class);
    if (current === undefined || hit.weight > current.weight) best.set(hit.class, hit);
  }
  return [...best.values()].filter((hit) => hit.weight >= 0.5);
}

/**
 * Runs the injection detector's first stage (rules, lexical model over segments, perplexity, and the signals with
 * their own floor). Synchronous and CPU-bound: the guard runs it in its rules worker, off the event loop.
 */
export function runInjectionStageOne(model: InjectionModel, text: string): InjectionStageOneResult {
  const evidence = collectEvidence(text);
  const stage = scoreStageOne(model, text, evidence);
  const segment = evidence.segments[stage.bestSegment];
  const floor = strongestFloorSignal(model, evidence);
  return {
    stage,
    floor: floor.confidence,
    floorSignal: floor.signal,
    rules: strongestPerClass(evidence.rules),
    embedded: evidence.embedded,
    bestSegment: segment === undefined ? undefined : { start: segment.start, end: segment.end },
  };
}
