import canonicalizeModule from 'canonicalize';

// The package is CommonJS (module.exports = serialize) while its typings declare an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** RFC 8785 canonical JSON of `value`; throws for values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value is not serialisable as JSON');
  return text;
}
