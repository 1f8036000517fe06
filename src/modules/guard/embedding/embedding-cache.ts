import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { EmbeddingPool } from './embedding-pool.js';

/** Embeds prepared texts through a pool, reusing vectors stored in a JSON file keyed by text hash (offline tooling only). */
export async function embedWithCache(
  pool: EmbeddingPool,
  texts: readonly string[],
  cacheFile: string,
): Promise<Float32Array[]> {
  const cache: Record<string, number[]> = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, number[]>)
    : {};
  const key = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);
  const missing = [...new Set(texts.filter((text) => cache[key(text)] === undefined))];
  const batch = 16;
  for (let i = 0; i < missing.length; i += batch) {
    const chunk = missing.slice(i, i + batch);
    const vectors = await pool.embed(chunk);
    chunk.forEach((text, j) => {
      const vector = vectors[j];
      if (vector !== undefined) cache[key(text)] = Array.from(vector, (v) => Math.round(v * 1e5) / 1e5);
    });
    if ((i / batch) % 20 === 19) writeFileSync(cacheFile, JSON.stringify(cache));
  }
  if (missing.length > 0) writeFileSync(cacheFile, JSON.stringify(cache));
  return texts.map((text) => Float32Array.from(cache[key(text)] ?? []));
}
