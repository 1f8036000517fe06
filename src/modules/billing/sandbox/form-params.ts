import { invalidRequest } from './stripe-failure.js';

/** Request parameters as Stripe's form encoding decodes them (`metadata[plan]=pro` → `{ metadata: { plan } }`). */
export type Params = Record<string, unknown>;

// The SDK may add `expand[]` to any request; the sandbox returns objects unexpanded, as the adapter expects.
const ALWAYS_ALLOWED = new Set(['expand']);

/** Refuses a parameter the endpoint does not know, as Stripe does ("Received unknown parameter"). */
export function onlyKnown(params: Params, allowed: readonly string[]): void {
  for (const name of Object.keys(params))
    if (!allowed.includes(name) && !ALWAYS_ALLOWED.has(name))
      throw invalidRequest(`Received unknown parameter: ${name.slice(0, 64)}`, name.slice(0, 64));
}

/** An optional string parameter of at most `max` characters. */
export function optionalString(params: Params, name: string, max = 5_000): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max)
    throw invalidRequest(`Invalid string: ${name} must be a string of at most ${max} characters`, name);
  return value;
}

/** A required string parameter. */
export function requiredString(params: Params, name: string, max = 5_000): string {
  const value = optionalString(params, name, max);
  if (value === undefined || value === '') throw invalidRequest(`Missing required param: ${name}.`, name);
  return value;
}

/** A positive integer parameter (amounts are integers in the currency's smallest unit). */
export function positiveInteger(params: Params, name: string, required: true): number;
export function positiveInteger(params: Params, name: string, required: false): number | undefined;
export function positiveInteger(params: Params, name: string, required: boolean): number | undefined {
  const value = params[name];
  if (value === undefined) {
    if (required) throw invalidRequest(`Missing required param: ${name}.`, name);
    return undefined;
  }
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,10}$/.test(value) || Number(value) > 99_999_999)
    throw invalidRequest(`Invalid positive integer: ${name}`, name);
  return Number(value);
}

/** A boolean parameter (`true` / `false`), false when absent. */
export function flag(params: Params, name: string): boolean {
  const value = params[name];
  if (value === undefined) return false;
  if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${name}`, name);
  return value === 'true';
}

/** A three-letter ISO currency code, lower-cased as Stripe returns it. */
export function currency(params: Params): string {
  const value = requiredString(params, 'currency', 3).toLowerCase();
  if (!/^[a-z]{3}$/.test(value)) throw invalidRequest(`Invalid currency: ${value}`, 'currency');
  return value;
}

/** A string map with Stripe's limits (50 keys of at most 40 characters, values of at most 500). */
export function stringMap(params: Params, name: string): Record<string, string> | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidRequest(`Invalid object: ${name}`, name);
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidRequest(`Invalid ${name}: at most 50 keys`, name);
  const out: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (key.length > 40 || typeof entry !== 'string' || entry.length > 500)
      throw invalidRequest(
        `Invalid ${name}[${key.slice(0, 40)}]: keys of at most 40 and values of 500 characters`,
        name,
      );
    out[key] = entry;
  }
  return out;
}
