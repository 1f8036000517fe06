import { embedWithCache } from '../embedding/embedding-cache.js';
import { EmbeddingPool } from '../embedding/embedding-pool.js';
import { prepareEmbeddingInput } from '../embedding/prepare-embedding-input.js';
import type { ToxicityRow } from './toxicity-dev-data.js';
import { prepareToxicityRows, type PreparedToxicityRow } from './toxicity-loso.js';

/** Embeds toxicity rows through a fresh pool (vectors cached in `cacheFile`) and runs the lexicon stage on them. */
export async function prepareWithEmbeddings(
  rows: readonly ToxicityRow[],
  cacheFile: string,
): Promise<PreparedToxicityRow[]> {
  const pool = new EmbeddingPool({ size: 1, timeoutMs: 600_000, maxQueue: 100_000 });
  try {
    await pool.start();
    const vectors = await embedWithCache(
      pool,
      rows.map((row) => prepareEmbeddingInput(row.text)),
      cacheFile,
    );
    return prepareToxicityRows(rows, vectors);
  } finally {
    await pool.close();
  }
}
