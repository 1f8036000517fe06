import { randomBytes } from 'node:crypto';
import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';

const SECRET_ID = 'oidc-cookie-keys';
const ref = { table: 'org_secrets', column: 'value_ciphertext', rowId: SECRET_ID };

/**
 * The keys that sign the provider's cookies (sessions, interactions): made once, by the first node to start, kept
 * field-encrypted as a secret of the platform org, so every node signs and checks the same cookies.
 */
export async function loadCookieKeys(deps: { db: Db; cipher: FieldCipher; platformOrgId: OrgId }): Promise<string[]> {
  return deps.db.withTenant(deps.platformOrgId, async (sql) => {
    const candidate = await deps.cipher.encrypt(sql, ref, randomBytes(32).toString('base64url'));
    // INVARIANT: nodes starting together race on this insert; the row that won is the one every node reads.
    await sql.query(
      `INSERT INTO org_secrets (org_id, id, name, value_ciphertext) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [deps.platformOrgId, SECRET_ID, 'oidc.cookie-keys', candidate],
    );
    const { rows } = await sql.query<{ value_ciphertext: string }>(
      'SELECT value_ciphertext FROM org_secrets WHERE id = $1',
      [SECRET_ID],
    );
    const stored = rows[0]?.value_ciphertext;
    if (!stored) throw new Error('the cookie keys were not stored');
    return [await deps.cipher.decryptString(sql, ref, stored)];
  });
}
