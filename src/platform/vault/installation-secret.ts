import { randomBytes } from 'node:crypto';
import type { OrgId } from '../../lib/ids.js';
import type { Db } from '../db/index.js';
import type { FieldCipher } from './field-cipher.js';

/**
 * The installation's secret named `id`: 32 random bytes made once, by the first node to start, kept field-encrypted
 * among the platform org's `org_secrets`, so every node reads the same one.
 */
export async function loadInstallationSecret(
  deps: { db: Db; cipher: FieldCipher; platformOrgId: OrgId },
  secret: { id: string; name: string },
): Promise<Buffer> {
  const ref = { table: 'org_secrets', column: 'value_ciphertext', rowId: secret.id };
  return deps.db.withTenant(deps.platformOrgId, async (sql) => {
    const candidate = await deps.cipher.encrypt(sql, ref, randomBytes(32).toString('base64url'));
    // INVARIANT: nodes starting together race on this insert; the row that won is the one every node reads.
    await sql.query(
      `INSERT INTO org_secrets (org_id, id, name, value_ciphertext) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [deps.platformOrgId, secret.id, secret.name, candidate],
    );
    const { rows } = await sql.query<{ value_ciphertext: string }>(
      'SELECT value_ciphertext FROM org_secrets WHERE id = $1',
      [secret.id],
    );
    const stored = rows[0]?.value_ciphertext;
    if (!stored) throw new Error(`the secret ${secret.id} was not stored`);
    return deps.cipher.decrypt(sql, ref, stored);
  });
}
