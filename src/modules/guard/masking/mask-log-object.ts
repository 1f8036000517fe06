import { maskText } from './mask-text.js';

/** Bounds of the recursive walk over a log object. */
export interface MaskLimits {
  readonly maxDepth: number;
  readonly maxKeys: number;
  readonly maxStringLength: number;
}

/** Default bounds: deep enough for request/response objects, small enough to keep logging cheap. */
export const DEFAULT_MASK_LIMITS: MaskLimits = { maxDepth: 6, maxKeys: 200, maxStringLength: 64 * 1024 };

/**
 * Returns a copy of a log value with every string masked by {@link maskText}.
 * SECURITY: past the bounds values are replaced by `[TRUNCATED]`, never passed through unscanned.
 */
export function maskLogValue(
  value: unknown,
  limits: MaskLimits = DEFAULT_MASK_LIMITS,
  depth = 0,
  seen = new WeakSet<object>(),
): unknown {
  if (typeof value === 'string') {
    return value.length > limits.maxStringLength
      ? `${maskText(value.slice(0, limits.maxStringLength))}[TRUNCATED]`
      : maskText(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= limits.maxDepth || seen.has(value)) return '[TRUNCATED]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      type: value.name,
      message: maskText(value.message),
      stack: value.stack === undefined ? undefined : maskText(value.stack),
    };
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, limits.maxKeys).map((v: unknown) => maskLogValue(v, limits, depth + 1, seen));
    if (value.length > limits.maxKeys) items.push('[TRUNCATED]');
    return items;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= limits.maxKeys) {
      out['…'] = '[TRUNCATED]';
      break;
    }
    out[k] = maskLogValue(v, limits, depth + 1, seen);
  }
  return out;
}
