import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import { loadInstallationSecret, type FieldCipher } from '../../../platform/vault/index.js';

/**
 * The keys that sign the provider's cookies (sessions, interactions): made once, by the first node to start, kept
 * field-encrypted as a secret of the platform org, so every node signs and checks the same cookies.
 */
export async function loadCookieKeys(deps: { db: Db; cipher: FieldCipher; platformOrgId: OrgId }): Promise<string[]> {
  const key = await loadInstallationSecret(deps, { id: 'oidc-cookie-keys', name: 'oidc.cookie-keys' });
  return [key.toString('utf8')];
}
