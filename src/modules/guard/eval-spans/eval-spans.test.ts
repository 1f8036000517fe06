import { describe, it, expect } from 'vitest';
import { evaluatePiiSpans } from './evaluate-pii-spans.js';
import { mapLabel } from './label-map.js';
import { percentile, score } from './metrics.js';
import { parseSecretsTruth, parseTruthCsv } from './parse-truth-csv.js';

describe('mapLabel', () => {
  it('maps Presidio and ai4privacy labels to our classes', () => {
    expect(mapLabel('EMAIL_ADDRESS')).toBe('pii.email');
    expect(mapLabel('CREDITCARDNUMBER')).toBe('pii.payment_card');
    expect(mapLabel('B-PER')).toBe('pii.person');
    expect(mapLabel('iban_code')).toBe('pii.iban');
    expect(mapLabel('DATE_TIME')).toBe('pii.date_time');
    expect(mapLabel('ORGANIZATION')).toBe('pii.organization');
    expect(mapLabel('URL')).toBeUndefined();
  });
});

describe('metrics', () => {
  it('computes precision, recall, F1 and F2', () => {
    const s = score(8, 2, 2);
    expect(s.precision).toBeCloseTo(0.8);
    expect(s.recall).toBeCloseTo(0.8);
    expect(s.f1).toBeCloseTo(0.8);
    expect(s.f2).toBeCloseTo(0.8);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
  });
});

describe('evaluatePiiSpans', () => {
  it('matches by type and ≥50% overlap of the gold span', () => {
    const text = 'Mail jane@acme.io or call (415) 555-2671.';
    const rep = evaluatePiiSpans(
      [
        {
          text,
          spans: [
            { start: 5, end: 17, type: 'EMAIL_ADDRESS' },
            { start: 26, end: 40, type: 'PHONE_NUMBER' },
          ],
        },
      ],
      { ner: false },
    );
    expect(rep.overall.tp).toBe(2);
    expect(rep.overall.fp).toBe(0);
    expect(rep.classes['pii.phone']?.recall).toBe(1);
  });
  it('counts misses and spurious predictions', () => {
    const text = 'card 4111 1111 1111 1111, mail jane@acme.io';
    const rep = evaluatePiiSpans(
      [
        {
          text,
          spans: [
            { start: 5, end: 24, type: 'EMAIL' },
            { start: 31, end: 43, type: 'EMAIL' },
          ],
        },
      ],
      { ner: false, classes: ['pii.email', 'pii.payment_card'] },
    );
    expect(rep.classes['pii.email']).toMatchObject({ tp: 1, fn: 1 });
    expect(rep.classes['pii.payment_card']).toMatchObject({ fp: 1 });
  });
});

describe('parseTruthCsv', () => {
  it('reads headerless and SecretBench-style files', () => {
    expect(parseTruthCsv('a/.env,3,aws\nb.py,10\n')).toEqual([
      { file: 'a/.env', line: 3, type: 'aws' },
      { file: 'b.py', line: 10 },
    ]);
    expect(parseTruthCsv('secret_type,filename,line_number\n"Private Key",./k/id_rsa,1\n')).toEqual([
      { file: 'k/id_rsa', line: 1, type: 'Private Key' },
    ]);
  });
  it('rejects bad line numbers', () => {
    expect(() => parseTruthCsv('a,zero\nb,0\n')).toThrow();
  });
});

describe('parseSecretsTruth', () => {
  it('reads per-file counts as well as listed lines', () => {
    expect(parseSecretsTruth('file,risk_lines,informative_lines\na/.env,2,1\n')).toEqual({
      form: 'counts',
      rows: [{ file: 'a/.env', riskLines: 2, informativeLines: 1 }],
    });
    expect(parseSecretsTruth('file,line,kind\nb.py,3,x\n').form).toBe('lines');
  });
});

describe('evaluatePiiSpans: unsupported gold', () => {
  it('lists gold labels it cannot score instead of dropping them silently', () => {
    const rep = evaluatePiiSpans([{ text: 'see https://x.io now', spans: [{ start: 4, end: 15, type: 'URL' }] }], {
      ner: false,
    });
    expect(rep.unsupportedGold).toEqual({ URL: 1 });
  });
});
