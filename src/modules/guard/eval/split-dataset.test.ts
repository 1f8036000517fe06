import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from './parse-csv.js';
import { binaryScores } from './classification-metrics.js';
import { splitDataset } from './split-dataset.js';

describe('evaluation helpers', () => {
  it('splits deterministically and stratified by category', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({
      text: `t${i}`,
      label: i % 2 === 0 ? 'attack' : 'benign',
      category: i < 50 ? 'a' : 'b',
    }));
    const first = splitDataset(rows, 'seed');
    expect(splitDataset(rows, 'seed')).toEqual(first);
    expect(first.tune.filter((r) => r.category === 'a' && r.label === 'attack')).toHaveLength(18);
    expect(first.tune.length + first.heldOut.length).toBe(100);
    expect(splitDataset(rows, 'other').tune).not.toEqual(first.tune);
  });

  it('parses quoted CSV with embedded commas, quotes and newlines', () => {
    expect(parseCsvRecords('text,label\n"a, ""b""\nc",1\nplain,0\n')).toEqual([
      { text: 'a, "b"\nc', label: '1' },
      { text: 'plain', label: '0' },
    ]);
  });

  it('computes precision, recall, F2 and FPR', () => {
    const s = binaryScores([
      { gold: true, predicted: true, latencyMs: 1 },
      { gold: true, predicted: false, latencyMs: 1 },
      { gold: false, predicted: true, latencyMs: 1 },
      { gold: false, predicted: false, latencyMs: 1 },
    ]);
    expect([s.precision, s.recall, s.fpRate, s.balancedAccuracy]).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
