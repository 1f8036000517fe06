import type { Finding } from '../detector.js';
import { detectPiiRules } from '../pii/detect-pii-rules.js';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { rewriteSpans } from '../pipeline/rewrite-spans.js';
import { detectSecrets } from '../secrets/detect-secrets.js';

// Cheap pre-check: text without a digit, '@', ':', '=', '-----' or a long token cannot hold a rule finding.
const MAYBE_SENSITIVE = /[\d@:=]|-----|[A-Za-z0-9_+/-]{20}/;

/** Threshold for masking logs: lower than the prompt policy because a missed secret in a log is worse than an extra mask. */
const LOG_MIN_CONFIDENCE = 0.5;

/**
 * Masks PII and secrets in free text for logs: `[EMAIL]`, `[CARD]`, `[SECRET]`, … Rule detectors only (no NER), so it stays cheap.
 */
export function maskText(text: string): string {
  if (text.length < 6 || !MAYBE_SENSITIVE.test(text)) return text;
  const found: Finding[] = [...detectSecrets(text), ...detectPiiRules(text)].filter(
    (f) => f.confidence >= LOG_MIN_CONFIDENCE,
  );
  if (found.length === 0) return text;
  return rewriteSpans(
    text,
    mergeFindings(found).map((finding) => ({ finding, mode: 'mask' })),
  ).text;
}
