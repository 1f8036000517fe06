import type { Finding } from '../detector.js';
import { sensitivityOf, sensitivityRank } from './sensitivity.js';

function outranks(a: Finding, b: Finding): boolean {
  if (a.class === b.class)
    return a.confidence !== b.confidence ? a.confidence > b.confidence : a.end - a.start > b.end - b.start;
  const ra = sensitivityRank(sensitivityOf(a.class));
  const rb = sensitivityRank(sensitivityOf(b.class));
  if (ra !== rb) return ra > rb;
  if (a.confidence !== b.confidence) return a.confidence > b.confidence;
  return a.end - a.start > b.end - b.start;
}

/**
 * Resolves overlapping findings: each cluster of (transitively) overlapping spans becomes one finding with the class,
 * confidence, reason and detector of its highest-severity member and the union of the members' spans.
 * SECURITY: the union keeps every sensitive character inside the span that is masked or redacted.
 */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  // Overlaps merge within a family only: a data span (PII, PHI, secret) inside a prompt flagged as an injection
  // stays its own finding, so no class is hidden behind another and every data span can still be rewritten.
  const families = new Map<string, Finding[]>();
  for (const f of findings) {
    const family = familyOf(f.class);
    const members = families.get(family);
    if (members) members.push(f);
    else families.set(family, [f]);
  }
  if (families.size <= 1) return mergeOverlaps(findings);
  return [...families.values()].flatMap(mergeOverlaps).sort((a, b) => a.start - b.start || b.end - a.end);
}

function familyOf(cls: string): string {
  const dot = cls.indexOf('.');
  const head = dot === -1 ? cls : cls.slice(0, dot);
  return head === 'pii' || head === 'phi' || head === 'secret' ? 'data' : head;
}

function mergeOverlaps(findings: readonly Finding[]): Finding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  let best: Finding | undefined;
  let start = 0;
  let end = 0;
  const flush = (): void => {
    // Explicit literal (not a spread): one object shape for every merged finding keeps this hot path monomorphic.
    if (best)
      out.push({
        class: best.class,
        start,
        end,
        confidence: best.confidence,
        reason: best.reason,
        detector: best.detector,
      });
  };
  for (const f of sorted) {
    if (best && f.start < end) {
      end = Math.max(end, f.end);
      if (outranks(f, best)) best = f;
      continue;
    }
    flush();
    best = f;
    start = f.start;
    end = f.end;
  }
  flush();
  return out;
}
