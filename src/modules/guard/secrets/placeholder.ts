// Values in documentation and templates that stand for a secret without being one.
const PLACEHOLDER =
  /^(?:x{3,}|\*{3,}|\.{3,}|#{3,}|-+|_+|0+|(?:1234|12345|123456|1234567|12345678|123456789|1234567890)|null|none|nil|undefined|true|false|empty|redacted|hidden|secret|password|passwd|pass|pwd|changeme|change[_-]?me|replace[_-]?me|todo|tbd|fixme|dummy|test|example|sample|placeholder|foo|bar|baz|qwerty|string|str|your[_-].*|my[_-].*|<.*>|\{\{.*\}\}|\$\{.*\}|\$\(.*\)|%\(.*\)s?|%[A-Z_]+%|\$[A-Z_][A-Z0-9_]*|\[SECRET_REDACTED:[^\]]*\])$/i;
const PLACEHOLDER_PART =
  /(?:EXAMPLE|example|x{6,}|X{6,}|\*{4,}|<[a-z_ -]+>|\$\{[^}]+\}|\{\{[^}]+\}\}|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|REPLACE|INSERT|dummy|fake|placeholder|sample)/;
// Keyboard runs and counting sequences in a long token mark a made-up value (a short password may well be one).
const SEQUENCE = /1234567|abcdefg|ABCDEFG|abc123|qwerty/;

const REPEAT = /(.)\1{7,}/;
// A group of 3–8 characters (not one character repeated) three times in a row, optionally separated:
// `1234-1234-1234`, `abcabcabc`. Random tokens do not repeat themselves.
const REPEATED_GROUP = /((.)(?!\2).{2,7}?)(?:[-_.:]?\1){2}/;
const MIN_COUNTING_LENGTH = 8;
const BASE32 = /^[A-Z2-7]{16,}=*$/;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = /^(?:[0-9a-f]{2}){8,}$/i;

/** The text a base32 (RFC 4648) or hex value encodes, or undefined when it is neither. */
function decodeBase32OrHex(value: string): string | undefined {
  if (HEX.test(value)) return Buffer.from(value, 'hex').toString('latin1');
  if (!BASE32.test(value)) return undefined;
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const ch of value.replace(/=+$/, '')) {
    acc = ((acc << 5) | BASE32_ALPHABET.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}

/**
 * True when a value was typed as a sequence rather than generated: at least half of its adjacent letter/digit pairs
 * count up by one (`1234567890`, `AbCeFG123`; case ignored, separators skipped, 9→0 counts), or a group repeats three
 * times (`1234-1234-1234`). A generated key or token almost never does either; a password may (people type
 * `123456789a`), so callers apply this to keys and tokens only.
 */
export function isTypedSequence(value: string): boolean {
  if (REPEATED_GROUP.test(value) || isCountingRun(value)) return true;
  // Test vectors are sequences encoded: base32 `GEZDGNBVGY3TQOJQ` is "1234567890" (RFC 6238's TOTP secret).
  const decoded = decodeBase32OrHex(value);
  return decoded !== undefined && /^[\x20-\x7e]+$/.test(decoded) && isCountingRun(decoded);
}

/** True when at least half of the adjacent letter/digit pairs count up by one (9→0 counts, case and separators ignored). */
function isCountingRun(value: string): boolean {
  const chars = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (chars.length < MIN_COUNTING_LENGTH) return false;
  let steps = 0;
  for (let i = 1; i < chars.length; i++) {
    const prev = chars.charCodeAt(i - 1);
    const cur = chars.charCodeAt(i);
    if (cur === prev + 1 || (prev === 57 && cur === 48)) steps++;
  }
  return steps * 2 >= chars.length - 1;
}

/** True when a candidate secret value is a placeholder (`<your-api-key>`, `${TOKEN}`, `pre-${ID}`, `xxxx`, `…EXAMPLE`). */
export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER.test(value) || PLACEHOLDER_PART.test(value)) return true;
  if (value.length >= 20 && SEQUENCE.test(value)) return true;
  // Eight equal characters in a row (`AIzaaaaaaaaa…`, `glc_1111…`) mark a made-up value; a leading run of 'A' is the
  // prefix of Twitter bearer tokens.
  const run = REPEAT.exec(value);
  return run !== null && !(run.index === 0 && run[1] === 'A');
}
