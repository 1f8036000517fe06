import { describe, it, expect } from 'vitest';
import type { Finding } from '../detector.js';
import { mergeFindings } from './merge-findings.js';
import { restoreTokens, rewriteSpans } from './rewrite-spans.js';

const f = (cls: string, start: number, end: number, confidence = 0.9): Finding => ({
  class: cls,
  start,
  end,
  confidence,
  reason: 'r',
  detector: 'd',
});

describe('mergeFindings', () => {
  it('keeps the highest-severity class and the union of overlapping spans', () => {
    const merged = mergeFindings([
      f('pii.phone', 5, 20, 0.95),
      f('pii.payment_card', 4, 23, 0.9),
      f('pii.email', 30, 40),
    ]);
    expect(merged).toEqual([{ ...f('pii.payment_card', 4, 23, 0.9) }, f('pii.email', 30, 40)]);
  });
  it('never hides a data span behind an overlapping injection or moderation finding', () => {
    const merged = mergeFindings([
      f('injection.semantic', 0, 60, 0.8),
      f('pii.ssn', 10, 21, 0.97),
      f('secret.github_token', 30, 70),
    ]);
    expect(merged.map((m) => m.class).sort()).toEqual(['injection.semantic', 'pii.ssn', 'secret.github_token']);
  });
  it('breaks severity ties by confidence', () => {
    expect(mergeFindings([f('pii.email', 0, 5, 0.6), f('pii.phone', 2, 8, 0.9)])).toEqual([f('pii.phone', 0, 8, 0.9)]);
  });
});

describe('rewriteSpans', () => {
  it('rewrites the remainder of a span that overlaps one already rewritten', () => {
    const text = 'secret: abcdefghij';
    const out = rewriteSpans(text, [
      { finding: f('moderation.toxicity', 8, 13), mode: 'mask' },
      { finding: f('pii.email', 10, 18), mode: 'mask' },
    ]).text;
    expect(out).not.toMatch(/[f-j]/);
  });

  it('masks and redacts with stable tokens and restores them', () => {
    const text = 'a@b.io wrote to c@d.io and a@b.io; card 4111111111111111';
    const r = rewriteSpans(text, [
      { finding: f('pii.email', 0, 6), mode: 'redact' },
      { finding: f('pii.email', 16, 22), mode: 'redact' },
      { finding: f('pii.email', 27, 33), mode: 'redact' },
      { finding: f('pii.payment_card', 40, 56), mode: 'mask' },
    ]);
    expect(r.text).toBe('[[PII_EMAIL_1]] wrote to [[PII_EMAIL_2]] and [[PII_EMAIL_1]]; card [CARD]');
    expect(r.vault).toEqual({ '[[PII_EMAIL_1]]': 'a@b.io', '[[PII_EMAIL_2]]': 'c@d.io' });
    expect(restoreTokens('Reply to [[PII_EMAIL_2]] and [[PII_EMAIL_9]]', r.vault)).toBe(
      'Reply to c@d.io and [[PII_EMAIL_9]]',
    );
  });
});
