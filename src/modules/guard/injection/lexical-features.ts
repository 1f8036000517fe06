import { normalizeText } from './normalize-text.js';

/** A sparse feature vector: bucket indices (ascending, unique) and their values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Hash buckets shared by word and character n-grams (collisions are tolerated; the model is linear). */
export const lexicalBuckets = 1 << 17;
const mask = lexicalBuckets - 1;
const wordSeed = 0x9e3779b1;
const charSeed = 0x85ebca77;

function fnv(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193) >>> 0;
}

function hashString(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = fnv(h, text.charCodeAt(i));
  return h;
}

/** The form n-grams are taken from: normalised (homoglyphs, invisible characters), lower case, spaces collapsed. */
export function lexicalForm(text: string): string {
  return normalizeText(text).text.toLowerCase().replace(/\s+/g, ' ').trim();
}

// Scratch tables reused across calls (the scan is synchronous, so one set per thread is enough).
const blockCounts = new Float64Array(lexicalBuckets);
const merged = new Float64Array(lexicalBuckets);
const blockTouched = new Int32Array(1 << 16);
let blockSize = 0;
const mergedTouched: number[] = [];

function count(bucket: number): void {
  if (blockCounts[bucket] === 0) {
    if (blockSize < blockTouched.length) blockTouched[blockSize++] = bucket;
    else return;
  }
  blockCounts[bucket] = (blockCounts[bucket] ?? 0) + 1;
}

// Log-scales and L2-normalises the block just counted, adds it into `merged` and clears the block.
function flushBlock(scale: number): void {
  let norm = 0;
  for (let i = 0; i < blockSize; i++) norm += Math.log1p(blockCounts[blockTouched[i] ?? 0] ?? 0) ** 2;
  const inv = norm === 0 ? 0 : scale / Math.sqrt(norm);
  for (let i = 0; i < blockSize; i++) {
    const k = blockTouched[i] ?? 0;
    if (merged[k] === 0) mergedTouched.push(k);
    merged[k] = (merged[k] ?? 0) + Math.log1p(blockCounts[k] ?? 0) * inv;
    blockCounts[k] = 0;
  }
  blockSize = 0;
}

/**
 * Hashed word uni- and bigrams and character 3- to 5-grams of an already {@link lexicalForm}ed text, each block
 * log-scaled and L2-normalised, so short and long texts land on the same scale.
 */
export function lexicalFeaturesOfForm(form: string): SparseVector {
  let previous = hashString(wordSeed ^ 0x5bd1e995, '<s>');
  for (const match of form.matchAll(/[a-z0-9']+|[^\sa-z0-9]/g)) {
    const token = match[0];
    count(hashString(wordSeed, token) & mask);
    count(hashString(previous, ` ${token}`) & mask);
    previous = hashString(wordSeed ^ 0x5bd1e995, token);
  }
  flushBlock(1);
  const padded = ` ${form} `;
  for (let i = 0; i + 3 <= padded.length; i++) {
    let h = charSeed;
    for (let k = 0; k < 5 && i + k < padded.length; k++) {
      h = fnv(h, padded.charCodeAt(i + k));
      if (k >= 2) count(h & mask);
    }
  }
  flushBlock(1);
  const indices = Int32Array.from(mergedTouched).sort();
  const values = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i] ?? 0;
    values[i] = merged[k] ?? 0;
    merged[k] = 0;
  }
  mergedTouched.length = 0;
  return { indices, values };
}

/** Hashed lexical features of raw text (see {@link lexicalFeaturesOfForm}). */
export function lexicalFeatures(text: string): SparseVector {
  return lexicalFeaturesOfForm(lexicalForm(text));
}

/** Dot product of a sparse vector with dense weights. */
export function sparseDot(vector: SparseVector, weights: Float32Array): number {
  const { indices, values } = vector;
  let sum = 0;
  // Indices are bucket numbers below weights.length by construction, so the reads stay in bounds.
  for (let i = 0; i < indices.length; i++) sum += (weights[indices[i] as number] as number) * (values[i] as number);
  return sum;
}
