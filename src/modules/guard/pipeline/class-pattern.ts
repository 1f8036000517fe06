/** A class selector: an exact class (`pii.email`), a prefix wildcard (`pii.*`) or `*`. */
export const CLASS_PATTERN = /^(?:\*|[a-z0-9_]+(?:\.[a-z0-9_]+)*(?:\.\*)?)$/;

/**
 * Most specific pattern of `patterns` matching `cls`: the exact class, then the longest wildcard prefix, then `*`.
 * Returns undefined when nothing matches.
 */
export function mostSpecificMatch(cls: string, patterns: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const p of patterns) {
    let score: number;
    if (p === cls) score = Number.MAX_SAFE_INTEGER;
    else if (p === '*') score = 0;
    else if (p.endsWith('.*') && cls.startsWith(p.slice(0, -1))) score = p.length;
    else continue;
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}
