import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { ContextValue, DecisionContext } from './types.js';

/** A context the engine cannot hand to Cedar; decide() turns it into a deny with `authz.policy_error`. */
export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function primitive(key: string, value: unknown): CedarValueJson {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new InvalidContextError(`context.${key}: expected a string, boolean or safe integer`);
}

function convert(key: string, value: ContextValue): CedarValueJson {
  if (key === 'ip') {
    if (typeof value !== 'string') throw new InvalidContextError('context.ip: expected a string');
    return { __extn: { fn: 'ip', arg: value } };
  }
  if (key === 'now') {
    if (typeof value !== 'string') throw new InvalidContextError('context.now: expected an RFC 3339 string');
    return { __extn: { fn: 'datetime', arg: value } };
  }
  if (Array.isArray(value)) return value.map((item: unknown) => primitive(key, item));
  return primitive(key, value);
}

/**
 * Maps a request context to a Cedar context record. `amr` and `now` are the values the engine settled on
 * (they may come from the principal and the clock rather than from `context`).
 */
export function buildCedarContext(
  context: DecisionContext,
  amr: readonly string[],
  now: string | undefined,
): Record<string, CedarValueJson> {
  const entries: [string, CedarValueJson][] = [['amr', amr.map((method) => primitive('amr', method))]];
  if (now !== undefined) entries.push(['now', convert('now', now)]);
  for (const key of Object.keys(context)) {
    const value = context[key];
    if (value === undefined || key === 'amr' || key === 'now') continue;
    if (!KEY.test(key)) throw new InvalidContextError(`context key "${key}" is not an identifier`);
    entries.push([key, convert(key, value)]);
  }
  // SECURITY: fromEntries defines own properties, so a key such as `__proto__` cannot touch the prototype.
  return Object.fromEntries(entries);
}
