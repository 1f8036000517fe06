import type { Finding } from '../detector.js';
import { detectAssignments } from './detect-assignments.js';
import { detectBearer } from './detect-bearer.js';
import { detectConfigCredentials } from './detect-config-credentials.js';
import { detectPasswordHash } from './detect-password-hash.js';
import { detectBulwarkKey } from './detect-bulwark-key.js';
import { detectHighEntropy } from './detect-high-entropy.js';
import { detectJwt } from './detect-jwt.js';
import { detectPrivateKey } from './detect-private-key.js';
import { detectProviderKeys } from './detect-provider-keys.js';
import { detectUrlCredentials } from './detect-url-credentials.js';

/** Runs every secret recogniser; findings may overlap (a provider key inside an assignment), the pipeline merges them. */
export function detectSecrets(text: string): Finding[] {
  return [
    ...detectPrivateKey(text),
    ...detectBulwarkKey(text),
    ...detectProviderKeys(text),
    ...detectJwt(text),
    ...detectUrlCredentials(text),
    ...detectBearer(text),
    ...detectConfigCredentials(text),
    ...detectPasswordHash(text),
    ...detectAssignments(text),
    ...detectHighEntropy(text),
  ];
}
