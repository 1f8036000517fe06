/** Card brands recognised from the PAN's issuer prefix (IIN) and length. */
export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'maestro';

const BRANDS: readonly { brand: CardBrand; prefix: RegExp; lengths: readonly number[] }[] = [
  { brand: 'amex', prefix: /^3[47]/, lengths: [15] },
  { brand: 'visa', prefix: /^4/, lengths: [13, 16, 19] },
  { brand: 'mastercard', prefix: /^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, lengths: [16] },
  {
    brand: 'discover',
    prefix: /^(?:6011|64[4-9]|65|622(?:12[6-9]|1[3-9]\d|[2-8]\d\d|9[01]\d|92[0-5]))/,
    lengths: [16, 19],
  },
  { brand: 'diners', prefix: /^(?:30[0-5]|3095|36|3[89])/, lengths: [14, 16, 19] },
  { brand: 'jcb', prefix: /^35(?:2[89]|[3-8]\d)/, lengths: [16, 17, 18, 19] },
  { brand: 'unionpay', prefix: /^62/, lengths: [16, 17, 18, 19] },
  { brand: 'maestro', prefix: /^(?:5[06-9]|6\d|6304|6759|676[1-3])/, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
];

/** Brand of a PAN (digits only), or undefined when no issuer prefix and length match. */
export function cardBrand(digits: string): CardBrand | undefined {
  for (const b of BRANDS) {
    if (b.lengths.includes(digits.length) && b.prefix.test(digits)) return b.brand;
  }
  return undefined;
}
