import { createHmac, randomBytes } from 'node:crypto';
import type { OrgId } from '../../lib/ids.js';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';

/** The key of an e-mail address in throttling counters and audit details (`email_hash`). */
export type AccountKeyOf = (email: string) => string;

const SECRET_ID = 'identity-account-key';
const ref = { table: 'org_secrets', column: 'value_ciphertext', rowId: SECRET_ID };

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
  const secret = await deps.db.withTenant(deps.platformOrgId, async (sql) => {
    const candidate = await deps.cipher.encrypt(sql, ref, randomBytes(32));
    // INVARIANT: nodes starting together race on this insert; the row that won is the one every node reads.
    await sql.query(
      `INSERT INTO org_secrets (org_id, id, name, value_ciphertext) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [deps.platformOrgId, SECRET_ID, 'identity.account-key', candidate],
    );
    const { rows } = await sql.query<{ value_ciphertext: string }>(
      'SELECT value_ciphertext FROM org_secrets WHERE id = $1',
      [SECRET_ID],
    );
    const stored = rows[0]?.value_ciphertext;
    if (!stored) throw new Error('the account-key secret was not stored');
    return deps.cipher.decrypt(sql, ref, stored);
  });
  return (email) => createHmac('sha256', secret).update(email.toLowerCase(), 'utf8').digest('hex');
}
