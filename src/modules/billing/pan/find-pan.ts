// 13 to 19 digits, optionally grouped by single spaces or dashes, not inside a longer run of digits.
const CANDIDATE = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g;
const MAX_DEPTH = 32;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** True when `text` holds a Luhn-valid card number (13–19 digits, plain or grouped by spaces or dashes). */
export function containsPan(text: string): boolean {
  for (const match of text.matchAll(CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    // A run of one repeated digit (all zeros) passes Luhn but is no card number.
    if (luhnValid(digits) && !/^(\d)\1+$/.test(digits)) return true;
  }
  return false;
}

/**
 * The path (`body.metadata.note`) of the first string or number in `value`, keys included, that holds a card number;
 * null when there is none. SECURITY: the walk is bounded in depth, and a structure deeper than that counts as holding
 * one (fail closed), so nothing unscanned is stored.
 */
export function findPan(value: unknown, path = 'body', depth = 0): string | null {
  if (depth > MAX_DEPTH) return path;
  if (typeof value === 'string') return containsPan(value) ? path : null;
  if (typeof value === 'number' || typeof value === 'bigint') return containsPan(String(value)) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findPan(value[i], `${path}[${i}]`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, entry] of Object.entries(value)) {
      if (containsPan(key)) return `${path}.<key>`;
      const found = findPan(entry, `${path}.${key}`, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}
