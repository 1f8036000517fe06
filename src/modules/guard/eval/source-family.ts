const encodingKinds = new Set([
  'ascii_codes',
  'atbash',
  'base64',
  'caesar3',
  'char_split',
  'hex',
  'leetspeak',
  'morse',
  'reverse_chars',
  'reverse_words',
  'rot13',
]);

/**
 * The source family of a row, the unit leave-one-source-out holds out whole:
 * - rows built for the corpus (`constructed (<kind> …)`) group by kind (`constructed:base64`, `constructed:frame`);
 * - every other row groups by repository (the part of `owner/repo:path` before the colon);
 * - GCG rows built from the smooth-llm suffixes join `arobey1/smooth-llm`, because they reuse its 20 suffixes
 *   (holding out one without the other would leak the suffixes);
 * - the cipher kinds (base64, ROT13, Caesar, Atbash, hex, ASCII codes, Morse, leetspeak, reversals, dash-splitting)
 *   form one family, `constructed:encoding`: they share the same decode-and-comply wrappers and goals, so holding
 *   out one cipher while training on another would leak the wrappers.
 * Rows without a source form one family, `unknown`.
 */
export function sourceFamily(source: string | undefined): string {
  if (source === undefined || source.trim() === '') return 'unknown';
  const constructed = /^constructed \((\S+)/.exec(source);
  if (constructed !== null) {
    const kind = (constructed[1] ?? 'other').replace(/[;,:]$/, '');
    if (kind === 'GCG') return 'arobey1/smooth-llm';
    return encodingKinds.has(kind) ? 'constructed:encoding' : `constructed:${kind}`;
  }
  return source.split(':')[0]?.trim() || 'unknown';
}
