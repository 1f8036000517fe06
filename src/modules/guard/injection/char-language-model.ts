/**
 * A character trigram language model of benign text (interpolated, with add-one floor). Adversarial suffixes found
 * by gradient search (GCG), ciphers and token junk read as improbable character sequences: their bits per character
 * stay high over a window, where English prose, and even code, does not.
 */
export interface CharLanguageModel {
  readonly unigram: Float64Array;
  readonly bigram: Float64Array;
  /** Hashed trigram counts (context of two symbols followed by one). */
  readonly trigram: Float64Array;
  readonly total: number;
}

/** Symbols: printable ASCII (32..126) keep their identity, other characters share one symbol, controls read as space. */
export const charSymbols = 96;
/** Hash buckets of the trigram table. */
export const trigramBuckets = 1 << 16;
const lambdas = [0.6, 0.3, 0.09, 0.01] as const;

function symbolOf(code: number): number {
  if (code < 32) return 0;
  if (code > 126) return 95;
  return code - 32;
}

const trigramKey = (a: number, b: number, c: number): number =>
  (Math.imul((a * charSymbols + b) * charSymbols + c, 0x9e3779b1) >>> 16) & (trigramBuckets - 1);

/** Counts trigrams of the given benign texts into a fresh model. */
export function trainCharLanguageModel(texts: Iterable<string>): CharLanguageModel {
  const unigram = new Float64Array(charSymbols);
  const bigram = new Float64Array(charSymbols * charSymbols);
  const trigram = new Float64Array(trigramBuckets);
  let total = 0;
  for (const text of texts) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < text.length; i++) {
      const c = symbolOf(text.charCodeAt(i));
      unigram[c] = (unigram[c] ?? 0) + 1;
      bigram[b * charSymbols + c] = (bigram[b * charSymbols + c] ?? 0) + 1;
      const k = trigramKey(a, b, c);
      trigram[k] = (trigram[k] ?? 0) + 1;
      a = b;
      b = c;
      total++;
    }
  }
  return { unigram, bigram, trigram, total };
}

/** Bits (−log2 p) of every character of `text` under the model. */
export function charSurprisal(model: CharLanguageModel, text: string): Float64Array {
  const out = new Float64Array(text.length);
  let a = 0;
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const c = symbolOf(text.charCodeAt(i));
    const uniB = model.unigram[b] ?? 0;
    const bi = model.bigram[b * charSymbols + c] ?? 0;
    const biAB = model.bigram[a * charSymbols + b] ?? 0;
    const tri = model.trigram[trigramKey(a, b, c)] ?? 0;
    const p =
      lambdas[0] * (biAB > 0 ? Math.min(1, tri / biAB) : 0) +
      lambdas[1] * (uniB > 0 ? bi / uniB : 0) +
      lambdas[2] * ((model.unigram[c] ?? 0) / Math.max(1, model.total)) +
      lambdas[3] / charSymbols;
    out[i] = -Math.log2(p);
    a = b;
    b = c;
  }
  return out;
}

/** Perplexity summary of a text: mean bits per character, the worst window's mean, and the share of bad windows. */
export interface PerplexityFeatures {
  readonly meanBits: number;
  readonly maxWindowBits: number;
  readonly highWindowShare: number;
}

/** Window of characters the worst-window figure averages over (about the length of a GCG suffix's densest part). */
export const perplexityWindow = 40;
/** Mean bits per character above which a window counts as gibberish. */
export const highWindowBits = 5.5;

// Identifiers: a run of 6+ word characters or dashes with a letter and a digit (ids, hashes, order numbers), or 8+ hex
// digits. Their characters are random by design, so they would read as an adversarial suffix.
const IDENTIFIER = /(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[a-z])[\w-]{6,}(?![\w-])|\b[0-9a-f]{8,}\b/gi;

/** Replaces identifiers with a placeholder word before the perplexity is measured. */
export function maskIdentifiers(text: string): string {
  return text.replace(IDENTIFIER, 'id');
}

/** Typical bits per character of benign text under the shipped character model (measured on benign rows). */
export const benignBitsPerChar = 3.1;

/**
 * Summarises {@link charSurprisal} over sliding windows. A text shorter than one window is padded to the window with
 * benign-typical bits: the first characters have no context and score high, so "x" or "ok" would otherwise read as
 * gibberish.
 */
export function perplexityFeatures(model: CharLanguageModel, text: string): PerplexityFeatures {
  const measured = charSurprisal(model, maskIdentifiers(text.slice(0, 8_000)));
  if (measured.length === 0) return { meanBits: 0, maxWindowBits: 0, highWindowShare: 0 };
  const bits =
    measured.length >= perplexityWindow
      ? measured
      : [...measured, ...new Array<number>(perplexityWindow - measured.length).fill(benignBitsPerChar)];
  let sum = 0;
  for (const v of bits) sum += v;
  const window = Math.min(perplexityWindow, bits.length);
  let running = 0;
  for (let i = 0; i < window; i++) running += bits[i] ?? 0;
  let max = running;
  let high = running / window > highWindowBits ? 1 : 0;
  let windows = 1;
  for (let i = window; i < bits.length; i++) {
    running += (bits[i] ?? 0) - (bits[i - window] ?? 0);
    max = Math.max(max, running);
    windows++;
    if (running / window > highWindowBits) high++;
  }
  return { meanBits: sum / bits.length, maxWindowBits: max / window, highWindowShare: high / windows };
}
