import { createGuardModelDetector, type GuardModelOptions } from './guard-model-detector.js';
import type { RemoteDetector, RemoteDetectorEvents } from './remote-detector.js';
import { createTeiClassifierDetector, type TeiClassifierOptions } from './tei-classifier-detector.js';

/** One remote detector as a deployment configures it. */
export type RemoteDetectorSpec =
  ({ readonly kind: 'tei_classifier' } & TeiClassifierOptions) | ({ readonly kind: 'guard_model' } & GuardModelOptions);

/** The remote detectors of a deployment and the one call that closes their connections. */
export interface RemoteDetectorSet {
  readonly detectors: readonly RemoteDetector[];
  close(): Promise<void>;
}

/** Creates the configured remote detectors (none by default). */
export function createRemoteDetectors(
  specs: readonly RemoteDetectorSpec[],
  events: RemoteDetectorEvents = {},
): RemoteDetectorSet {
  const detectors = specs.map((spec) =>
    spec.kind === 'tei_classifier' ? createTeiClassifierDetector(spec, events) : createGuardModelDetector(spec, events),
  );
  return {
    detectors,
    close: async () => {
      await Promise.all(detectors.map((d) => d.close()));
    },
  };
}
