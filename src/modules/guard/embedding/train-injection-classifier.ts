// Offline: trains the shipped injection classifier on the TUNE part of the development corpus plus the
// hand-written library. Run: npx tsx src/modules/guard/embedding/train-injection-classifier.ts [devJsonl] [cacheFile]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseLabelledRows } from '../eval/labelled-rows.js';
import { injectionSplitSeed, splitDataset } from '../eval/split-dataset.js';
import { embedWithCache } from './embedding-cache.js';
import { EmbeddingPool } from './embedding-pool.js';
import { trainLinear } from './linear-classifier.js';
import { embeddingInputChars, prepareEmbeddingInput } from './prepare-embedding-input.js';

const devFile = process.argv[2] ?? '../shared/data/injection/dev.jsonl';
const cacheFile = process.argv[3] ?? '/tmp/guard-emb-cache.json';
const libraryFile = new URL('../data/injection-library.jsonl', import.meta.url);
const outFile = new URL('../data/injection-classifier.json', import.meta.url);

const { tune } = splitDataset(parseLabelledRows(readFileSync(devFile, 'utf8'), 'jsonl'), injectionSplitSeed);
const library = parseLabelledRows(readFileSync(libraryFile, 'utf8'), 'jsonl');
const rows = [...tune, ...library];
const pool = new EmbeddingPool({ size: 1, timeoutMs: 120_000 });
await pool.start();
const vectors = await embedWithCache(
  pool,
  rows.map((row) => prepareEmbeddingInput(row.text)),
  cacheFile,
);
await pool.close();

const labels = rows.map((row) => (row.label === 'attack' ? 1 : 0));
const positives = labels.filter((l) => l === 1).length;
const negatives = labels.length - positives;
// Classes balanced; the jailbreak-template family is down-weighted so it cannot dominate what "attack" means,
// and the hand-written short attacks and look-alikes count more.
const templateRows = tune.filter((row) => row.category === 'jailbreak_template').length;
const sampleWeights = rows.map((row, i) => {
  const classWeight = labels[i] === 1 ? labels.length / (2 * positives) : labels.length / (2 * negatives);
  const family =
    row.category === 'jailbreak_template' ? Math.min(1, (positives - templateRows) / templateRows + 0.4) : 1;
  const handWritten = i >= tune.length ? 5 : 1;
  return classWeight * family * handWritten;
});
const { weights, bias } = trainLinear(vectors, labels, sampleWeights, { epochs: 400, learningRate: 4, l2: 1e-3 });
writeFileSync(
  outFile,
  `${JSON.stringify({
    model: 'universal-sentence-encoder-lite-512',
    inputChars: embeddingInputChars,
    bias,
    weights,
    trainedOn: `dev.jsonl tune split (seed ${injectionSplitSeed}, ${tune.length} rows) + injection-library.jsonl (${library.length} rows)`,
  })}\n`,
);
console.log(`trained on ${rows.length} rows (${positives} attack / ${negatives} benign) -> ${outFile.pathname}`);
