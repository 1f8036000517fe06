// Guard rules worker: runs the guard's CPU-bound rule stages off the event loop, names and places (compromise) and the
// injection detector's first stage. Answers {id, inputs: [{stage, text}]} with {id, outputs: [{stage, ...result}]},
// the protocol of ./worker-pool.ts.
// Plain ESM JavaScript, so it starts the same way under vitest, tsx and the built package: it imports the stages whose
// URLs rules-pool.ts hands over, the compiled .js in dist/ or the .ts sources (through tsx's loader) in src/.
import { parentPort, workerData } from 'node:worker_threads';

if (parentPort === null) throw new Error('rules-worker must run in a worker thread');
const port = parentPort;

async function loadStages() {
  const urls = workerData ?? {};
  if ([urls.namesUrl, urls.injectionUrl, urls.injectionModelUrl].some((url) => String(url).endsWith('.ts'))) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const [names, injection, injectionModel] = await Promise.all([
    import(String(urls.namesUrl)),
    import(String(urls.injectionUrl)),
    import(String(urls.injectionModelUrl)),
  ]);
  const model = injectionModel.loadShippedInjectionModel();
  // compromise builds its lazy caches on the first text, the rules their compiled forms; do that before saying ready.
  const warmUp = 'Warm-up: ask Maria Lopez in Lisbon about the Acme Widgets Ltd invoice.';
  names.detectNamesAndLocations(warmUp);
  injection.runInjectionStageOne(model, warmUp);
  return {
    names: (text) => ({ stage: 'names', findings: names.detectNamesAndLocations(text) }),
    injection: (text) => ({ stage: 'injection', result: injection.runInjectionStageOne(model, text) }),
  };
}

const errorText = (error) => String(error && error.message ? error.message : error);

loadStages().then(
  (stages) => {
    port.on('message', ({ id, inputs }) => {
      try {
        const outputs = inputs.map(({ stage, text }) => {
          const run = Object.hasOwn(stages, stage) ? stages[stage] : undefined;
          if (run === undefined) throw new Error(`unknown guard rules stage: ${String(stage)}`);
          return run(text);
        });
        port.postMessage({ type: 'result', id, outputs });
      } catch (error) {
        port.postMessage({ type: 'error', id, message: errorText(error) });
      }
    });
    port.postMessage({ type: 'ready' });
  },
  (error) => port.postMessage({ type: 'fatal', message: errorText(error) }),
);
