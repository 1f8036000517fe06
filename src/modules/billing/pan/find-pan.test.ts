import { describe, expect, it } from 'vitest';
import { containsPan, findPan } from './find-pan.js';

describe('card numbers (PANs) in request bodies', () => {
  it.each([
    '4242424242424242',
    '4242 4242 4242 4242',
    '4242-4242-4242-4242',
    'my card is 5555555555554444, thanks',
    '378282246310005',
    '6011111111111117',
  ])('finds %s', (text) => expect(containsPan(text)).toBe(true));

  it.each([
    '4242424242424241', // fails Luhn
    '0000000000000000',
    '123456789012', // 12 digits
    'order 2026-12-02 total 4200',
    '42424242424242424242', // 20 digits: not a card number, and no 13–19 digit window is taken out of it
    'ord_01m8vd49pbgnmhcea72mhgg62d',
  ])('does not flag %s', (text) => expect(containsPan(text)).toBe(false));

  it('names the first field that holds one, in nested objects, arrays, numbers and keys', () => {
    expect(findPan({ amount: 100, metadata: { note: 'ok', card: '4242 4242 4242 4242' } })).toBe('body.metadata.card');
    expect(findPan({ lines: [{ memo: 'a' }, { memo: '5555-5555-5555-4444' }] })).toBe('body.lines[1].memo');
    expect(findPan({ number: 4242424242424242 })).toBe('body.number');
    expect(findPan({ metadata: { '4242424242424242': 'x' } })).toBe('body.metadata.<key>');
    expect(findPan({ amount: 100, currency: 'usd' })).toBeNull();
  });

  it('fails closed on a structure too deep to scan', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i += 1) deep = { d: deep };
    expect(findPan(deep)).not.toBeNull();
  });
});
