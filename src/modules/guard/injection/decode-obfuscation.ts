import { endianness } from 'node:os';
/** A stretch of text that decoded to readable text. Offsets index the text that was decoded. */
export interface DecodedSegment {
  readonly encoding: 'base64' | 'base32' | 'hex' | 'rot13' | 'url' | 'reversed';
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
}

const maxSegments = 16;
const maxSegmentChars = 8_192;

// Decoded bytes must look like text a human wrote: mostly printable ASCII, with letters and spaces. Counts are per
// code point (a surrogate pair is one non-printable character), ratios are over UTF-16 length.
function readable(text: string): boolean {
  if (text.length < 6) return false;
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      continue;
    }
    if ((code >= 0x20 && code < 0x7f) || code === 10 || code === 9) printable++;
    if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters++;
    if (code === 32) spaces++;
  }
  return printable / n >= 0.95 && letters / n >= 0.5 && spaces >= 1;
}

// A string from UTF-16 code units. Node's 'ucs2' decoding copies units as they are (lone surrogates included) and is
// ~100x faster than String.fromCharCode over spread chunks; it reads little-endian, so big-endian hosts take the slow path.
const littleEndian = endianness() === 'LE';
function fromCodeUnits(units: Uint16Array): string {
  if (littleEndian) return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('ucs2');
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
  return out;
}

/** The text with its code points in reverse order (a surrogate pair stays one character, as `[...text]` splits). */
export function reverseCodePoints(text: string): string {
  const n = text.length;
  const out = new Uint16Array(n);
  let o = 0;
  for (let i = n - 1; i >= 0; i--) {
    const code = text.charCodeAt(i);
    const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
    if (code >= 0xdc00 && code <= 0xdfff && prev >= 0xd800 && prev <= 0xdbff) {
      out[o++] = prev;
      out[o++] = code;
      i--;
    } else {
      out[o++] = code;
    }
  }
  return fromCodeUnits(out);
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

const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') BASE64_CHAR[c.charCodeAt(0)] = 1;
const isBase64Char = (code: number): boolean => code < 128 && BASE64_CHAR[code] === 1;
const minBase64 = 16;

/**
 * The matches of /[A-Za-z0-9+/_-]{16,}={0,2}/g: every maximal run of 16+ base64 characters plus up to two '='. Found
 * by probing 15 characters ahead (a non-base64 character there rules out a run starting in between), where the regex
 * retried at every position of every word.
 */
function base64Runs(text: string): { index: number; raw: string }[] {
  const out: { index: number; raw: string }[] = [];
  const n = text.length;
  let pos = 0; // 0 or just after a non-base64 character
  while (pos + minBase64 - 1 < n) {
    const probe = pos + minBase64 - 1;
    if (!isBase64Char(text.charCodeAt(probe))) {
      pos = probe + 1;
      continue;
    }
    let start = probe;
    while (start > pos && isBase64Char(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < n && isBase64Char(text.charCodeAt(end))) end++;
    pos = end + 1;
    if (end - start < minBase64) continue;
    let stop = end;
    while (stop < n && stop - end < 2 && text.charCodeAt(stop) === 61) stop++;
    out.push({ index: start, raw: text.slice(start, stop) });
    pos = stop;
  }
  return out;
}

/** Applies ROT13 to ASCII letters. */
export function rot13(text: string): string {
  const out = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) out[i] = ((c - 65 + 13) % 26) + 65;
    else if (c >= 97 && c <= 122) out[i] = ((c - 97 + 13) % 26) + 97;
    else out[i] = c;
  }
  return fromCodeUnits(out);
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
    push({
      encoding: 'hex',
      start: match.index,
      end: match.index + match[0].length,
      decoded: Buffer.from(hex, 'hex').toString('latin1'),
    });
  }
  for (const match of text.matchAll(/\b[A-Z2-7]{16,}={0,6}/g)) {
    push({
      encoding: 'base32',
      start: match.index,
      end: match.index + match[0].length,
      decoded: decodeBase32(match[0].slice(0, maxSegmentChars)),
    });
  }
  for (const match of base64Runs(text)) {
    if (/^[0-9a-fA-F]+$/.test(match.raw) || /^[a-z]+$/i.test(match.raw)) continue;
    const normalized = match.raw.replace(/-/g, '+').replace(/_/g, '/').slice(0, maxSegmentChars);
    push({
      encoding: 'base64',
      start: match.index,
      end: match.index + match.raw.length,
      decoded: Buffer.from(normalized, 'base64').toString('latin1'),
    });
  }
  if (/%[0-9a-fA-F]{2}/.test(text)) {
    try {
      const decoded = decodeURIComponent(text.replace(/\+/g, ' '));
      if (decoded !== text) push({ encoding: 'url', start: 0, end: text.length, decoded });
    } catch {
      // Not valid percent-encoding: nothing to scan.
    }
  }
  // Both whole-text forms are built only while there is room for them (the result is the same, the work is not).
  if (segments.length < maxSegments) push({ encoding: 'rot13', start: 0, end: text.length, decoded: rot13(text) });
  if (segments.length < maxSegments)
    push({ encoding: 'reversed', start: 0, end: text.length, decoded: reverseCodePoints(text) });
  return segments;
}
