/** A stretch of text that decoded to readable text. Offsets index the text that was decoded. */
export interface DecodedSegment {
  readonly encoding: 'base64' | 'base32' | 'hex' | 'rot13' | 'url' | 'reversed';
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
}

const maxSegments = 16;
const maxSegmentChars = 8_192;

// Decoded bytes must look like text a human wrote: mostly printable ASCII, with letters and spaces.
function readable(text: string): boolean {
  if (text.length < 6) return false;
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if ((code >= 0x20 && code < 0x7f) || ch === '\n' || ch === '\t') printable++;
    if (/[A-Za-z]/.test(ch)) letters++;
    if (ch === ' ') spaces++;
  }
  return printable / text.length >= 0.95 && letters / text.length >= 0.5 && spaces >= 1;
}

function decodeBase32(input: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of input.replace(/=+$/, '')) {
    const index = alphabet.indexOf(ch);
    if (index < 0) return '';
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

/** Applies ROT13 to ASCII letters. */
export function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/**
 * Finds base64, base32, hex and percent-encoded stretches that decode to readable text, plus ROT13 and reversed
 * versions of the whole text, so the rule stage can scan what an obfuscated payload says. Bounded in count and size.
 */
export function decodeObfuscation(text: string): DecodedSegment[] {
  const segments: DecodedSegment[] = [];
  const push = (segment: DecodedSegment): void => {
    if (segments.length < maxSegments && readable(segment.decoded)) segments.push(segment);
  };
  for (const match of text.matchAll(/(?:[0-9a-fA-F]{2}[ :]?){10,}/g)) {
    const hex = match[0].replace(/[ :]/g, '').slice(0, maxSegmentChars * 2);
    push({ encoding: 'hex', start: match.index, end: match.index + match[0].length, decoded: Buffer.from(hex, 'hex').toString('latin1') });
  }
  for (const match of text.matchAll(/\b[A-Z2-7]{16,}={0,6}/g)) {
    push({ encoding: 'base32', start: match.index, end: match.index + match[0].length, decoded: decodeBase32(match[0].slice(0, maxSegmentChars)) });
  }
  for (const match of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    if (/^[0-9a-fA-F]+$/.test(match[0]) || /^[a-z]+$/i.test(match[0])) continue;
    const normalized = match[0].replace(/-/g, '+').replace(/_/g, '/').slice(0, maxSegmentChars);
    push({ encoding: 'base64', start: match.index, end: match.index + match[0].length, decoded: Buffer.from(normalized, 'base64').toString('latin1') });
  }
  if (/%[0-9a-fA-F]{2}/.test(text)) {
    try {
      const decoded = decodeURIComponent(text.replace(/\+/g, ' '));
      if (decoded !== text) push({ encoding: 'url', start: 0, end: text.length, decoded });
    } catch {
      // Not valid percent-encoding: nothing to scan.
    }
  }
  push({ encoding: 'rot13', start: 0, end: text.length, decoded: rot13(text) });
  push({ encoding: 'reversed', start: 0, end: text.length, decoded: [...text].reverse().join('') });
  return segments;
}
