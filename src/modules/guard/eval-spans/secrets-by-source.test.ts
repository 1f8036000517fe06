import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { countSecretFindings, textsOfCsvColumn, textsOfJsonl } from './count-secret-findings.js';
import { evaluateSecretsTree } from './evaluate-secrets-tree.js';
import { secretsBySource } from './secrets-by-source.js';

const sample = fileURLToPath(new URL('./samples/secrets/', import.meta.url));
const truth = `${sample}truth.csv`;

describe('evaluateSecretsTree include filter', () => {
  it('scores only the included files and their truth rows', async () => {
    const env = await evaluateSecretsTree(sample, truth, 0.5, undefined, (f) => f === 'files/.env');
    // .env holds two truth lines; the other 17 are out of scope, not missed.
    expect(env.overall).toMatchObject({ tp: 2, fn: 0, fp: 0 });
    expect(env.documents).toBe(1);
  });
});

describe('secretsBySource', () => {
  it('reports every source and the whole tree, whose counts add up', async () => {
    const dot = (f: string): boolean => f.startsWith('files/.');
    const [all, dotFiles, rest] = await secretsBySource(sample, truth, [
      { label: 'dot-files', include: dot },
      { label: 'rest', include: (f) => !dot(f) },
    ]);
    expect([all?.label, dotFiles?.label, rest?.label]).toEqual(['all', 'dot-files', 'rest']);
    expect((dotFiles?.report.overall.tp ?? 0) + (rest?.report.overall.tp ?? 0)).toBe(all?.report.overall.tp);
    expect(all?.report.overall).toMatchObject({ tp: 19, fn: 0, fp: 0 });
    expect(all?.falseReports).toEqual([]);
    expect(all?.missed).toEqual([]);
  });
});

describe('countSecretFindings', () => {
  it('counts texts with a secret finding and keeps examples', () => {
    const key = ['sk_live_', 'aB3dE5fG7hJ9kL1mN2pQ4rS6'].join('');
    const c = countSecretFindings(['hello there', `the key is ${key}`, 'no secret here']);
    expect(c).toMatchObject({ texts: 3, textsWithFinding: 1, findings: 1 });
    expect(c.examples).toEqual([{ index: 1, reason: 'guard.secret.provider_format', value: key }]);
  });
  it('reads JSONL rows of one label and one CSV column', () => {
    const jsonl = '{"text":"a","label":"benign"}\n{"text":"b","label":"attack"}\n\n{"text":"c","label":"benign"}\n';
    expect(textsOfJsonl(jsonl, 'benign')).toEqual(['a', 'c']);
    expect(textsOfJsonl(jsonl)).toEqual(['a', 'b', 'c']);
    expect(textsOfCsvColumn('id,text\n1,"x, ""quoted"""\n2,y\n', 'text')).toEqual(['x, "quoted"', 'y']);
    expect(() => textsOfCsvColumn('id\n1\n', 'text')).toThrow();
  });
});
