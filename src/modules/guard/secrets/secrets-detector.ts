import { z } from 'zod';
import type { Detector, DetectorManifest } from '../detector.js';
import { SECRETS_DETECTOR } from './classes.js';
import { detectSecrets } from './detect-secrets.js';

const secretsParams = z.object({});

/** Manifest of the secret scanner (provider formats, private keys, JWTs, URL passwords, assignments, entropy). */
export const secretsManifest: DetectorManifest<typeof secretsParams> = {
  name: SECRETS_DETECTOR,
  description:
    'Provider API keys, Bulwark API keys, private keys, JWTs, passwords in URLs, secret assignments and high-entropy tokens.',
  hooks: ['input', 'output'],
  params: secretsParams,
};

/** Creates the secret scanner. */
export function createSecretsDetector(): Detector {
  return { manifest: secretsManifest, scan: (text) => detectSecrets(text) };
}
