import type { Finding, Hook } from '../detector.js';
import { actionFor, type ClassPolicy, type GuardAction } from './class-policy.js';
import { mergeFindings } from './merge-findings.js';
import { rewriteSpans, type Rewrite } from './rewrite-spans.js';
import { sensitivityOf, type Sensitivity } from './sensitivity.js';

/** Outcome of the guard for one text. */
export type Verdict = 'allow' | 'redact' | 'block' | 'quarantine';

/** A merged finding with the sensitivity of its class and the action the policy chose. Never carries matched text. */
export interface GuardFinding extends Finding {
  readonly sensitivity: Sensitivity;
  readonly action: GuardAction;
}

/** What the pipeline returns for one text. */
export interface GuardResult {
  readonly verdict: Verdict;
  readonly findings: readonly GuardFinding[];
  /** Unique reason codes behind the verdict, for the audit record. */
  readonly reasons: readonly string[];
  /** Text with masked and redacted spans, present when the verdict is `redact`. */
  readonly transformed?: string;
  /** Token → original for reversible redactions, so the gateway can restore them in the response. Returned, never stored. */
  readonly vault?: Readonly<Record<string, string>>;
}

const RANK: Readonly<Record<Verdict, number>> = { allow: 0, redact: 1, quarantine: 2, block: 3 };

/** Applies a policy to raw findings: drops low-confidence ones, merges overlaps, picks actions and the verdict, rewrites the text. */
export function decideVerdict(text: string, raw: readonly Finding[], hook: Hook, policy: ClassPolicy): GuardResult {
  const findings: GuardFinding[] = mergeFindings(raw.filter((f) => f.confidence >= policy.minConfidence)).map((f) => {
    const sensitivity = sensitivityOf(f.class);
    let action = actionFor(policy, hook, f.class, sensitivity);
    // SECURITY: nothing is held for review on the way in; a quarantine rule on input blocks.
    if (action === 'quarantine' && hook === 'input') action = 'block';
    return {
      class: f.class,
      start: f.start,
      end: f.end,
      confidence: f.confidence,
      reason: f.reason,
      detector: f.detector,
      sensitivity,
      action,
    };
  });
  let verdict: Verdict = 'allow';
  const reasons = new Set<string>();
  const rewrites: Rewrite[] = [];
  for (const f of findings) {
    if (f.action === 'allow') continue;
    reasons.add(f.reason);
    const v: Verdict = f.action === 'mask' || f.action === 'redact' ? 'redact' : f.action;
    if (RANK[v] > RANK[verdict]) verdict = v;
    if (f.action === 'mask' || f.action === 'redact') rewrites.push({ finding: f, mode: f.action });
  }
  if (verdict !== 'redact') return { verdict, findings, reasons: [...reasons] };
  const { text: transformed, vault } = rewriteSpans(text, rewrites);
  return { verdict, findings, reasons: [...reasons], transformed, vault };
}
