import { readFileSync } from 'node:fs';
import { embedWithCache } from '../embedding/embedding-cache.js';
import { EmbeddingPool } from '../embedding/embedding-pool.js';
import { injectionEmbeddingChars, prepareEmbeddingInput } from '../embedding/prepare-embedding-input.js';
import {
  fitInjectionModel,
  predictPrepared,
  type FitOptions,
  type PreparedRow,
} from '../injection/fit-injection-model.js';
import { collectEvidence } from '../injection/injection-features.js';
import type { InjectionModel } from '../injection/injection-model.js';
import { leaveOneSourceOut, type LosoReport } from './leave-one-source-out.js';
import { sourceFamily } from './source-family.js';

/** A row of the injection corpora as read from JSONL. */
export interface InjectionCorpusRow {
  readonly text: string;
  readonly label: string;
  readonly category: string;
  readonly source: string;
}

/** Reads one or more injection JSONL files (`text`, `label`, `category`, `source`). */
export function readInjectionCorpus(files: readonly string[]): InjectionCorpusRow[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        const value = JSON.parse(line) as Record<string, unknown>;
        if (typeof value.text !== 'string' || typeof value.label !== 'string')
          throw new Error(`${file}:${i + 1}: expected "text" and "label" strings`);
        return {
          text: value.text,
          label: value.label,
          category: typeof value.category === 'string' ? value.category : value.label,
          source: typeof value.source === 'string' ? value.source : '',
        };
      }),
  );
}

/**
 * Precomputes what does not depend on learned parts: segments, lexical bags, rule hits, embedded instructions, and
 * the sentence embedding (cached in `embeddingCache` by text hash, so reruns do not embed again). Without a cache
 * file and with `embed: false`, embeddings are zero vectors and only the lexical path is meaningful.
 */
export async function prepareInjectionRows(
  rows: readonly InjectionCorpusRow[],
  options: { readonly embed: boolean; readonly embeddingCache?: string; readonly log?: (line: string) => void },
): Promise<PreparedRow[]> {
  let vectors: Float32Array[] = [];
  if (options.embed) {
    const pool = new EmbeddingPool({ size: 1, timeoutMs: 600_000, maxQueue: 1_000_000 });
    await pool.start();
    try {
      vectors = await embedWithCache(
        pool,
        rows.map((r) => prepareEmbeddingInput(r.text, injectionEmbeddingChars)),
        options.embeddingCache ?? '/tmp/bulwark-injection-embeddings.json',
      );
    } finally {
      await pool.close();
    }
  }
  const zero = new Float32Array(512);
  return rows.map((row, i) => {
    if (i % 1000 === 0) options.log?.(`  prepared ${i}/${rows.length}`);
    return {
      text: row.text,
      attack: row.label === 'attack',
      category: row.category,
      family: sourceFamily(row.source),
      evidence: collectEvidence(row.text),
      embedding: vectors[i] ?? zero,
    };
  });
}

/** The injection LOSO report plus how often the cascade consulted the embedding model. */
export interface InjectionCrossSourceReport extends LosoReport {
  readonly embeddingShare: number;
}

/** Runs leave-one-source-out over prepared rows with the deployed decision rule (cascade, per-hook threshold). */
export async function runInjectionCrossSource(
  rows: readonly PreparedRow[],
  options: Omit<FitOptions, 'embeddingChars'> & { readonly useEmbedding: boolean },
): Promise<InjectionCrossSourceReport> {
  let used = 0;
  let scored = 0;
  const losoRows = rows.map((row) => ({ ...row, label: row.attack ? 'attack' : 'benign' }));
  const report = await leaveOneSourceOut(
    losoRows,
    (train) =>
      fitInjectionModel(train, {
        ...options,
        embeddingChars: injectionEmbeddingChars,
        withEmbedding: options.useEmbedding,
      }),
    (model: InjectionModel, held) =>
      held.map((row) => {
        const decision = predictPrepared(model, row, options.useEmbedding);
        scored++;
        if (decision.usedEmbedding) used++;
        return decision.flagged;
      }),
    {
      onFold: (fold, index, total) =>
        options.log?.(
          `fold ${index + 1}/${total} ${fold.family}: n ${fold.n}${fold.recall ? ` recall ${fold.recall.rate.toFixed(3)}` : ''}${fold.fpr ? ` fpr ${fold.fpr.rate.toFixed(3)}` : ''}`,
        ),
    },
  );
  return { ...report, embeddingShare: scored === 0 ? 0 : used / scored };
}
