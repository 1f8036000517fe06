import { describe, it, expect } from 'vitest';
import { cardBrand } from './card-brand.js';
import { ibanValid } from './iban-checksum.js';
import { luhnValid } from './luhn.js';

describe('luhnValid', () => {
  it('accepts valid PANs', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117'])
      expect(luhnValid(pan)).toBe(true);
  });
  it('rejects a changed digit and non-digits', () => {
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('4111-1111')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });
});

describe('cardBrand', () => {
  it('detects brands by prefix and length', () => {
    expect(cardBrand('4111111111111111')).toBe('visa');
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('2221000000000009')).toBe('mastercard');
    expect(cardBrand('378282246310005')).toBe('amex');
    expect(cardBrand('6011111111111117')).toBe('discover');
  });
  it('returns undefined for unknown prefixes or wrong lengths', () => {
    expect(cardBrand('1234567812345670')).toBeUndefined();
    expect(cardBrand('37828224631000')).toBeUndefined();
  });
});

describe('ibanValid', () => {
  it('accepts valid IBANs', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
  });
  it('rejects wrong check digits, wrong length and unknown countries', () => {
    expect(ibanValid('DE88370400440532013000')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('QQ89370400440532013000')).toBe(false);
  });
});
