// Names worker: runs detectNamesAndLocations (compromise) off the event loop and answers {id, inputs: texts} with
// {id, outputs: findings per text}, the protocol of ../worker-pool.ts.
// Plain ESM JavaScript, so it starts the same way under vitest, tsx and the built package: it imports the detector
// whose URL names-pool.ts hands over, the compiled .js in dist/ or the .ts source (through tsx's loader) in src/.
import { parentPort, workerData } from 'node:worker_threads';

if (parentPort === null) throw new Error('names-worker must run in a worker thread');
const port = parentPort;

async function loadDetector() {
  const url = String(workerData && workerData.detectorUrl);
  if (url.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const module = await import(url);
  // compromise builds its lazy caches on the first text; do that before saying ready.
  module.detectNamesAndLocations('Warm-up: ask Maria Lopez in Lisbon about the Acme Widgets Ltd invoice.');
  return module.detectNamesAndLocations;
}

const errorText = (error) => String(error && error.message ? error.message : error);

loadDetector().then(
  (detect) => {
    port.on('message', ({ id, inputs }) => {
      try {
        port.postMessage({ type: 'result', id, outputs: inputs.map((text) => detect(text)) });
      } catch (error) {
        port.postMessage({ type: 'error', id, message: errorText(error) });
      }
    });
    port.postMessage({ type: 'ready' });
  },
  (error) => port.postMessage({ type: 'fatal', message: errorText(error) }),
);
