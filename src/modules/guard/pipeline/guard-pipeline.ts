import type { Detector, Finding, ScanContext } from '../detector.js';
import { resolveClassPolicy, type ClassPolicy, type ClassPolicyInput } from './class-policy.js';
import { decideVerdict, type GuardResult } from './decide-verdict.js';

/** Detectors of a pipeline: secret scanners run first, the rest see the text with secrets blanked out. */
export interface GuardPipelineOptions {
  readonly secretDetectors: readonly Detector[];
  readonly detectors: readonly Detector[];
  readonly policy?: ClassPolicyInput;
  /** An already resolved policy (from a policy store); takes precedence over `policy`. */
  readonly effectivePolicy?: ClassPolicy;
}

/** A composed guard: all detectors for a hook, then the org policy. */
export interface GuardPipeline {
  readonly policy: ClassPolicy;
  run(text: string, ctx: ScanContext): Promise<GuardResult>;
}

/** Replaces spans with '*' of the same length, so later detectors never see them and offsets stay valid. */
export function blankSpans(text: string, spans: readonly Finding[]): string {
  if (spans.length === 0) return text;
  const chars = text.split('');
  for (const s of spans) for (let i = s.start; i < s.end; i++) chars[i] = '*';
  return chars.join('');
}

async function scanAll(detectors: readonly Detector[], text: string, ctx: ScanContext): Promise<Finding[]> {
  const active = detectors.filter((d) => d.manifest.hooks.includes(ctx.hook));
  const results = await Promise.all(active.map((d) => d.scan(text, ctx)));
  return results.flat();
}

/**
 * Builds a guard pipeline.
 * SECURITY: fails closed: a detector that throws turns the verdict into `block` with reason `guard.detector_unavailable`.
 */
export function createGuardPipeline(options: GuardPipelineOptions): GuardPipeline {
  const policy = options.effectivePolicy ?? resolveClassPolicy(options.policy);
  return {
    policy,
    async run(text, ctx) {
      try {
        const secrets = await scanAll(options.secretDetectors, text, ctx);
        const blanked = blankSpans(
          text,
          secrets.filter((f) => f.confidence >= policy.minConfidence),
        );
        const others = await scanAll(options.detectors, blanked, ctx);
        return decideVerdict(text, [...secrets, ...others], ctx.hook, policy);
      } catch {
        return { verdict: 'block', findings: [], reasons: ['guard.detector_unavailable'] };
      }
    },
  };
}
