import { writeFileSync } from 'node:fs';
import { injectionEmbeddingChars } from '../embedding/prepare-embedding-input.js';
import { fitInjectionModel } from '../injection/fit-injection-model.js';
import { serializeInjectionModel, shippedInjectionModelUrl } from '../injection/injection-model.js';
import { prepareInjectionRows, readInjectionCorpus } from './injection-cross-source.js';

/** Options of {@link trainShippedInjectionModel}. */
export interface TrainInjectionOptions {
  readonly files: readonly string[];
  readonly embeddingCache?: string;
  /** Where to write the model; default the shipped file in src/modules/guard/data. */
  readonly out?: URL | string;
  readonly log?: (line: string) => void;
}

/**
 * The recipe of the shipped injection model: all rows of the given corpora, the same fit-and-tune as every
 * leave-one-source-out fold (grouped inner folds for fusion, thresholds and cascade), written as JSON.
 */
export async function trainShippedInjectionModel(options: TrainInjectionOptions): Promise<string> {
  const rows = readInjectionCorpus(options.files);
  const prepared = await prepareInjectionRows(rows, {
    embed: true,
    ...(options.embeddingCache === undefined ? {} : { embeddingCache: options.embeddingCache }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const model = fitInjectionModel(prepared, {
    embeddingChars: injectionEmbeddingChars,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const families = new Set(prepared.map((r) => r.family)).size;
  const shipped = serializeInjectionModel({
    ...model,
    trainedOn: `${options.files.map((f) => f.split('/').pop() ?? f).join(' + ')}: ${prepared.length} rows, ${families} source families`,
  });
  const out = options.out ?? shippedInjectionModelUrl;
  writeFileSync(out, `${JSON.stringify(shipped)}\n`);
  return typeof out === 'string' ? out : out.pathname;
}
