import { describe, it, expect } from 'vitest';
import type { Finding } from '../detector.js';
import { detectNamesAndLocations } from './detect-names-locations.js';
import { mayHoldNames, runsThatMayHoldNames } from './may-hold-names.js';

const found = (text: string, fs: Finding[]): string[] => fs.map((f) => `${f.class}:${text.slice(f.start, f.end)}`);
const scan = (text: string): string[] => found(text, detectNamesAndLocations(text));

describe('the pre-filter in front of compromise', () => {
  it('keeps a name that opens the sentence, where a capital alone says nothing', () => {
    expect(mayHoldNames('John called me yesterday.')).toBe(true);
    expect(scan('John called me yesterday.')).toEqual(['pii.person:John']);
    expect(scan('Grace said the draft is fine.')).toEqual(['pii.person:Grace']);
  });

  it('keeps a lower-case place compromise knows', () => {
    expect(mayHoldNames('Please book a flight to paris.')).toBe(true);
    expect(scan('Please book a flight to paris.')).toEqual(['pii.location:paris']);
  });

  it('keeps names after a cue, capitalised or not', () => {
    expect(scan('My name is Zanele Mbeki.')).toContain('pii.person:Zanele Mbeki');
    expect(scan('regards, david')).toEqual(['pii.person:david']);
  });

  it('keeps acronym and lexicon organisations, at the start of a sentence too', () => {
    expect(scan('Ask the FBI about it.')).toEqual(['pii.organization:FBI']);
    expect(scan('Wire the money to HSBC today.')).toEqual(['pii.organization:HSBC']);
    expect(scan('Deloitte audited us last year.')).toEqual(['pii.organization:Deloitte']);
  });

  it('keeps ordinary words that compromise joins into an organisation', () => {
    expect(mayHoldNames('Salt & pepper is all you need.')).toBe(true);
    expect(scan('Salt & pepper is all you need.')).toEqual(['pii.organization:Salt & pepper']);
    // A capitalised first word before an organisation or place word may become one.
    expect(mayHoldNames('Police department said no.')).toBe(true);
  });

  it('skips plain instructions', () => {
    for (const t of [
      'Summarize the quarterly report in two lines.',
      'Write a short poem about the sea. Keep it under ten lines.',
      'Don’t use bullet points. I’m in a hurry.',
    ]) {
      expect(mayHoldNames(t), t).toBe(false);
      expect(scan(t), t).toEqual([]);
    }
  });

  it('reads only the sentences that may hold a name, at their offsets in the whole text', () => {
    const t = 'Summarize this. Then email Maria Lopez in Lisbon.';
    const runs = runsThatMayHoldNames(t);
    expect(runs.map((r) => t.slice(r.start, r.end))).toEqual(['Then email Maria Lopez in Lisbon.']);
    expect(scan(t)).toEqual(['pii.person:Maria Lopez', 'pii.location:Lisbon']);
  });

  it('counts a capital that does not open a sentence as a candidate', () => {
    expect(mayHoldNames('Summarize the report for Acme.')).toBe(true);
    expect(mayHoldNames('1. Summary of the report')).toBe(true);
  });
});
