/** 32-bit FNV-1a of a string's UTF-16 code units, with a seed; deterministic across processes and platforms. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A short deterministic hex id from a string (ids of built-in answers and tool calls). */
export function stableId(text: string): string {
  return `${fnv1a(text).toString(16).padStart(8, '0')}${fnv1a(text, 0x9747b28c).toString(16).padStart(8, '0')}`;
}
