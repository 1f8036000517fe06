import { createHmac } from 'node:crypto';
import type { OrgId } from '../../lib/ids.js';
import type { Db } from '../../platform/db/index.js';
import { loadInstallationSecret, type FieldCipher } from '../../platform/vault/index.js';

/** The key of an e-mail address in throttling counters and audit details (`email_hash`). */
export type AccountKeyOf = (email: string) => string;

/**
 * Loads (making it once, on the first node to start) the deployment's account-key secret, field-encrypted as a
 * secret of the platform org, and answers the HMAC-SHA256 of a lower-cased e-mail under it.
 *
 * SECURITY: a plain hash of an e-mail is reversed by hashing guesses (addresses are guessable), so an audit reader or
 * a Redis reader could learn which addresses were tried at sign-in. Under a secret key they cannot; every node of a
 * deployment computes the same key, so throttling counters stay shared.
 */
export async function loadAccountKeyOf(deps: {
  db: Db;
  cipher: FieldCipher;
  platformOrgId: OrgId;
}): Promise<AccountKeyOf> {
  const secret = await loadInstallationSecret(deps, { id: 'identity-account-key', name: 'identity.account-key' });
  return (email) => createHmac('sha256', secret).update(email.toLowerCase(), 'utf8').digest('hex');
}
