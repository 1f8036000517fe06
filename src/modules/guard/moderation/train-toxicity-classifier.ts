// Offline: trains the shipped toxicity classifier on EVERY toxicity development source (surge, HateCheck, TOXIGEN,
// RealToxicityPrompts) and tunes its threshold on them, with the recipe the leave-one-source-out evaluation uses per
// fold. Run: npm run guard:train:toxicity -- [dataDir] [cacheFile]
import { writeFileSync } from 'node:fs';
import { embeddingInputChars } from '../embedding/prepare-embedding-input.js';
import { scoreLinear, type LinearModel } from '../embedding/linear-classifier.js';
import { prepareWithEmbeddings } from '../eval/toxicity-embeddings.js';
import { readAllToxicityRows, TOXICITY_SOURCES } from '../eval/toxicity-dev-data.js';
import { fitToxicityClassifier, tuneToxicityOperatingPoint } from '../eval/toxicity-loso.js';

const dataDir = process.argv[2] ?? '../shared/data/toxicity';
const cacheFile = process.argv[3] ?? '/tmp/guard-emb-tox-all.json';
const outFile = new URL('../data/toxicity-classifier.json', import.meta.url);

const rows = readAllToxicityRows(dataDir);
const prepared = await prepareWithEmbeddings(rows, cacheFile);
const fitted = fitToxicityClassifier(prepared);
const model: LinearModel = {
  model: 'universal-sentence-encoder-lite-512',
  inputChars: embeddingInputChars,
  bias: fitted.bias,
  weights: fitted.weights,
  trainedOn: `${TOXICITY_SOURCES.join(' + ')} (${rows.length} rows; every source weighted equally, classes balanced per source)`,
};
const point = tuneToxicityOperatingPoint(
  prepared,
  prepared.map((r) => scoreLinear(model, r.vector)),
);
writeFileSync(
  outFile,
  `${JSON.stringify({ ...model, threshold: point.semanticThreshold, ruleBoost: point.ruleBoost })}\n`,
);
console.log(
  `trained on ${rows.length} rows, threshold ${point.semanticThreshold.toFixed(3)}, boost ${point.ruleBoost} -> ${outFile.pathname}`,
);
