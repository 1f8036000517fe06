import type { Finding } from '../detector.js';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from './detect-secrets.js';

/** Text with every secret replaced by `[SECRET_REDACTED:<class>]`, and the findings (spans into the original text). */
export interface StrippedText {
  readonly text: string;
  readonly findings: Finding[];
}

/**
 * Removes secrets from a text before anything else (models, other detectors, logs) sees it.
 * SECURITY: the replacement is irreversible: stripped secrets are not kept anywhere.
 */
export function stripSecrets(text: string, minConfidence = 0.5): StrippedText {
  const findings = mergeFindings(detectSecrets(text).filter((f) => f.confidence >= minConfidence));
  if (findings.length === 0) return { text, findings };
  let out = '';
  let at = 0;
  for (const f of findings) {
    out += `${text.slice(at, f.start)}[SECRET_REDACTED:${f.class}]`;
    at = f.end;
  }
  return { text: out + text.slice(at), findings };
}
