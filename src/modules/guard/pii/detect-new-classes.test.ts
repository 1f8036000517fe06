import { describe, it, expect } from 'vitest';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectNamesAndLocations } from './detect-names-locations.js';
import { detectPiiRules } from './detect-pii-rules.js';

const found = (text: string, ner = false): string[] =>
  mergeFindings(
    [...detectPiiRules(text, 'US', { contextClasses: true }), ...(ner ? detectNamesAndLocations(text) : [])].filter(
      (f) => f.confidence >= 0.5,
    ),
  ).map((f) => `${f.class}:${text.slice(f.start, f.end)}`);

describe('PII: dates, times and phones', () => {
  it('an ISO date-time is a date, never a phone number', () => {
    for (const t of ['ran at 2024-03-15 14:30:00 ok', 'at 2021-12-24T18:00:00+01:00 ok', 'log 2023-11-02 09:15:42 x']) {
      const hits = found(t);
      expect(
        hits.some((h) => h.startsWith('pii.phone')),
        t,
      ).toBe(false);
      expect(
        hits.some((h) => h.startsWith('pii.date_time')),
        t,
      ).toBe(true);
    }
  });
  it('finds national phone numbers with the region from context, and E.164', () => {
    expect(found('In Germany call 030 901820 today')).toContain('pii.phone:030 901820');
    expect(found('Our UK mobile is 07700 900123.')).toContain('pii.phone:07700 900123');
    expect(found('Tokyo: +81 3-1234-5678')).toContain('pii.phone:+81 3-1234-5678');
  });
  it('does not read versions, ranges or build numbers as dates or phones', () => {
    expect(found('release v2.14.3 on build 20240315, years 2019-2023, 120-150 staff')).toEqual([]);
  });
});

describe('PII: cards, IBANs, ages, domains, addresses', () => {
  it('finds 12-digit Maestro with card words or in groups of four, not a bare 12-digit reference', () => {
    expect(found('My debit card number is 501859083013')).toContain('pii.payment_card:501859083013');
    expect(found('Maestro 6759 5260 1812')).toContain('pii.payment_card:6759 5260 1812');
    expect(found('reference 501859083013 attached')).toEqual([]);
  });
  it('finds IBANs in lower case and any spacing; a broken checksum is not one', () => {
    expect(found('pay de23 5388 8539 3363 3875 00 now')).toContain('pii.iban:de23 5388 8539 3363 3875 00');
    expect(found('IBAN gb82zipi39575513137353.')).toContain('pii.iban:gb82zipi39575513137353');
    expect(found('pay de24 5388 8539 3363 3875 00 now').some((h) => h.startsWith('pii.iban'))).toBe(false);
  });
  it('finds ages and domain names, not file names', () => {
    expect(found('a 67-year-old man, his daughter aged 40')).toEqual(['pii.age:67-year-old', 'pii.age:aged 40']);
    expect(found('see docs.initech.com, not setup.py or run.sh')).toEqual(['pii.domain:docs.initech.com']);
  });
  it('finds European and US military addresses', () => {
    expect(found('to Hauptstraße 5, 10115 Berlin today')).toContain('pii.address:Hauptstraße 5, 10115 Berlin');
    expect(found('at 12 rue de la Paix, 75002 Paris.')).toContain('pii.address:12 rue de la Paix, 75002 Paris');
    expect(found('to Via Roma 15, 00184 Roma.')).toContain('pii.address:Via Roma 15, 00184 Roma');
    expect(found('My address is PSC 1234, Box 5678, APO AE 09876 now')).toContain(
      'pii.address:PSC 1234, Box 5678, APO AE 09876',
    );
  });
});

describe('PII: names and organisations', () => {
  it('an organisation is not a person', () => {
    const hits = found('Morgan Stanley hired James Okafor; Johnson & Johnson reported.', true);
    expect(hits).toContain('pii.organization:Morgan Stanley');
    expect(hits).toContain('pii.organization:Johnson & Johnson');
    expect(hits.filter((h) => h.startsWith('pii.person'))).toEqual(['pii.person:James Okafor']);
  });
  it('finds a lower-case name after a cue, not lower-case words elsewhere', () => {
    expect(found('hi, my name is john smith and I need help', true)).toContain('pii.person:john smith');
    expect(found('the order was late and nobody called', true)).toEqual([]);
  });
});

describe('PII: context classes stay out of the default rule set', () => {
  it('reports dates, ages and domains only when asked (log masking does not ask)', () => {
    const t = 'at 2024-03-15 14:30:00 the 34 years old user of acme.io called';
    expect(detectPiiRules(t).map((f) => f.class)).toEqual([]);
    expect(detectPiiRules(t, 'US', { contextClasses: true }).map((f) => f.class)).toEqual([
      'pii.date_time',
      'pii.age',
      'pii.domain',
    ]);
  });
});
