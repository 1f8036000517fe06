import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { evaluatePiiSpans } from './evaluate-pii-spans.js';
import { evaluateSecretsTree } from './evaluate-secrets-tree.js';
import { parseMarkedSample } from './parse-marked-sample.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const STRUCTURED = ['pii.payment_card', 'pii.iban', 'pii.phone', 'pii.email', 'pii.ssn', 'pii.ip_address'];

describe('PII quality floor on the hand-written held-out sample', () => {
  const rows = parseMarkedSample(readFileSync(here('./samples/pii-holdout.txt'), 'utf8'));
  const report = evaluatePiiSpans(rows);
  it('finds structured types (cards, IBAN, phones, e-mail, SSN, IP) with recall ≥ 0.85', () => {
    const tp = STRUCTURED.reduce((n, c) => n + (report.classes[c]?.tp ?? 0), 0);
    const fn = STRUCTURED.reduce((n, c) => n + (report.classes[c]?.fn ?? 0), 0);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.85);
  });
  it('finds names, organisations and addresses with recall ≥ 0.60 and precision ≥ 0.80', () => {
    for (const c of ['pii.person', 'pii.organization', 'pii.address']) {
      expect(report.classes[c]?.recall, c).toBeGreaterThanOrEqual(0.6);
      expect(report.classes[c]?.precision, c).toBeGreaterThanOrEqual(0.8);
    }
  });
});

describe('secrets quality floor', () => {
  // The shared development corpus when it is beside the repo, else the small sample shipped with the code.
  const shared = fileURLToPath(new URL('../../../../../shared/data/secrets/', import.meta.url));
  const sample = here('./samples/secrets/');
  const dir = existsSync(`${shared}truth.csv`) ? shared : sample;
  it(`finds ≥ 85% of secret lines in ${dir === shared ? 'shared/data/secrets' : 'the shipped sample'}`, async () => {
    const report = await evaluateSecretsTree(dir, `${dir}truth.csv`);
    expect(report.overall.recall).toBeGreaterThanOrEqual(0.85);
    expect(report.overall.falsePositiveRate).toBeLessThanOrEqual(0.08);
  });
  it('finds every config-file credential of the shipped sample with no false positive', async () => {
    const report = await evaluateSecretsTree(sample, `${sample}truth.csv`);
    expect(report.overall).toMatchObject({ fn: 0, fp: 0 });
  });
});
