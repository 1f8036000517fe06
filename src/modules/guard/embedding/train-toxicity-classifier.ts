// Offline: trains the shipped toxicity classifier on the TUNE part (70%, seeded, stratified) of the surge and
// HateCheck development files. Run: npx tsx src/modules/guard/embedding/train-toxicity-classifier.ts [dataDir] [cacheFile]
import { writeFileSync } from 'node:fs';
import { splitDataset } from '../eval/split-dataset.js';
import { readToxicityDevData, toxicitySplitSeed } from '../eval/toxicity-dev-data.js';
import { embedWithCache } from './embedding-cache.js';
import { EmbeddingPool } from './embedding-pool.js';
import { trainLinear } from './linear-classifier.js';
import { embeddingInputChars, prepareEmbeddingInput } from './prepare-embedding-input.js';

const dataDir = process.argv[2] ?? '../shared/data/toxicity';
const cacheFile = process.argv[3] ?? '/tmp/guard-emb-tox.json';
const outFile = new URL('../data/toxicity-classifier.json', import.meta.url);

const { surge, hatecheck } = readToxicityDevData(dataDir);
const { tune } = splitDataset([...surge, ...hatecheck], toxicitySplitSeed);
const pool = new EmbeddingPool({ size: 1, timeoutMs: 120_000 });
await pool.start();
const vectors = await embedWithCache(
  pool,
  tune.map((row) => prepareEmbeddingInput(row.text)),
  cacheFile,
);
await pool.close();
const labels = tune.map((row) => (row.label === 'toxic' ? 1 : 0));
const positives = labels.filter((l) => l === 1).length;
// Classes balanced, and surge (free-form text) weighted up so HateCheck's templates do not define toxicity alone.
const weights = tune.map(
  (row, i) =>
    (labels[i] === 1 ? tune.length / (2 * positives) : tune.length / (2 * (tune.length - positives))) *
    (row.category === 'surge' ? 2 : 1),
);
const model = trainLinear(vectors, labels, weights, { epochs: 400, learningRate: 4, l2: 1e-3 });
writeFileSync(
  outFile,
  `${JSON.stringify({
    model: 'universal-sentence-encoder-lite-512',
    inputChars: embeddingInputChars,
    bias: model.bias,
    weights: model.weights,
    trainedOn: `surge_toxicity_en.csv + hatecheck_test_suite_cases.csv tune split (seed ${toxicitySplitSeed}, ${tune.length} rows)`,
  })}\n`,
);
console.log(`trained on ${tune.length} rows (${positives} toxic) -> ${outFile.pathname}`);
