import { fnv1a } from './stable-hash.js';

/** Largest `dimensions` the built-in embedding model produces. */
export const LOCAL_EMBED_MAX_DIMENSIONS = 3072;

// Features: lower-cased words and the character trigrams of each padded word. Each feature adds ±1 (sign from a
// second hash) to one dimension (feature hashing); the vector is then L2-normalised, so cosine similarity is a dot
// product and texts that share words and word parts score higher. Deterministic: the same text, the same vector.
function features(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    out.push(`w:${word}`);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) out.push(`t:${padded.slice(i, i + 3)}`);
  }
  if (out.length === 0) out.push(`raw:${text}`);
  return out;
}

/** The built-in deterministic embedding of `text`: hashed word and trigram features, L2-normalised. */
export function localEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const feature of features(text)) {
    const slot = fnv1a(feature) % dimensions;
    const sign = (fnv1a(feature, 0x2545f491) & 1) === 0 ? 1 : -1;
    vector[slot] = (vector[slot] ?? 0) + sign;
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  // A text whose features cancel out exactly gets a fixed unit vector rather than zeros (cosine stays defined).
  if (norm === 0) {
    vector[fnv1a(text) % dimensions] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}
