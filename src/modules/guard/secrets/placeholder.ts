// Values in documentation and templates that stand for a secret without being one.
const PLACEHOLDER =
  /^(?:x{3,}|\*{3,}|\.{3,}|#{3,}|-+|_+|0+|1234\w*|null|none|nil|undefined|true|false|empty|redacted|hidden|secret|password|passwd|changeme|change[_-]?me|replace[_-]?me|todo|tbd|fixme|dummy|test|example|sample|placeholder|foo|bar|baz|qwerty|string|str|your[_-].*|my[_-].*|<.*>|\{\{.*\}\}|\$\{.*\}|\$\(.*\)|%\(.*\)s?|%[A-Z_]+%|\$[A-Z_][A-Z0-9_]*|\[SECRET_REDACTED:[^\]]*\])$/i;
const PLACEHOLDER_PART =
  /(?:EXAMPLE|example|x{6,}|X{6,}|\*{4,}|<[a-z_ -]+>|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|REPLACE|INSERT|dummy|fake|placeholder|sample)/;

/** True when a candidate secret value is a placeholder (`<your-api-key>`, `${TOKEN}`, `xxxx`, `…EXAMPLE`). */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || PLACEHOLDER_PART.test(value);
}
