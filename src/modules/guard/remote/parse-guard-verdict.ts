/** What a Llama Guard style model answered: `safe`, or `unsafe` with the category codes it named. */
export type GuardModelVerdict = { readonly safe: true } | { readonly safe: false; readonly categories: string[] };

const CODE = /^S\d{1,3}$/;

/**
 * Parses a guard model's reply: `safe`, or `unsafe` optionally followed by one line of comma-separated categories
 * (`S1`, `S10`, …). Case and surrounding blank space are ignored; a category that is not a code is kept as
 * `unlisted`. Returns undefined for anything else, which the caller must treat as a failure, never as safe.
 */
export function parseGuardVerdict(reply: string): GuardModelVerdict | undefined {
  const lines = reply
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const [first, second, ...rest] = lines;
  if (rest.length > 0 || first === undefined) return undefined;
  const head = first.toLowerCase();
  if (head === 'safe') return second === undefined ? { safe: true } : undefined;
  if (head !== 'unsafe') return undefined;
  const categories = (second ?? '')
    .split(/[\s,]+/)
    .filter((token) => token !== '')
    .map((token) => (CODE.test(token.toUpperCase()) ? token.toUpperCase() : 'unlisted'));
  return { safe: false, categories: [...new Set(categories)] };
}
