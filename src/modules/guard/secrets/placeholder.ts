// Values in documentation and templates that stand for a secret without being one.
const PLACEHOLDER =
  /^(?:x{3,}|\*{3,}|\.{3,}|#{3,}|-+|_+|0+|(?:1234|12345|123456|1234567|12345678|123456789|1234567890)|null|none|nil|undefined|true|false|empty|redacted|hidden|secret|password|passwd|changeme|change[_-]?me|replace[_-]?me|todo|tbd|fixme|dummy|test|example|sample|placeholder|foo|bar|baz|qwerty|string|str|your[_-].*|my[_-].*|<.*>|\{\{.*\}\}|\$\{.*\}|\$\(.*\)|%\(.*\)s?|%[A-Z_]+%|\$[A-Z_][A-Z0-9_]*|\[SECRET_REDACTED:[^\]]*\])$/i;
const PLACEHOLDER_PART =
  /(?:EXAMPLE|example|x{6,}|X{6,}|\*{4,}|<[a-z_ -]+>|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|REPLACE|INSERT|dummy|fake|placeholder|sample)/;
// Keyboard runs and counting sequences in a long token mark a made-up value (a short password may well be one).
const SEQUENCE = /1234567|abcdefg|ABCDEFG|abc123|qwerty/;

const REPEAT = /(.)\1{7,}/;

/** True when a candidate secret value is a placeholder (`<your-api-key>`, `${TOKEN}`, `xxxx`, `…EXAMPLE`). */
export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER.test(value) || PLACEHOLDER_PART.test(value)) return true;
  if (value.length >= 20 && SEQUENCE.test(value)) return true;
  // Eight equal characters in a row (`AIzaaaaaaaaa…`, `glc_1111…`) mark a made-up value; a leading run of 'A' is the
  // prefix of Twitter bearer tokens.
  const run = REPEAT.exec(value);
  return run !== null && !(run.index === 0 && run[1] === 'A');
}
