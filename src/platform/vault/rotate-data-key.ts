import type { TenantSql } from '../db/index.js';
import { insertDataKey, lockOrgDataKeys, newWrappedDataKey, nextDataKeyVersion } from './data-keys.js';
import type { KeyVault } from './key-vault.js';

/**
 * Gives the transaction's org a new active data key and retires the previous ones. Retired keys stay for
 * decryption; existing ciphertexts are not re-encrypted. Returns the new DEK version.
 */
export async function rotateDataKey(sql: TenantSql, vault: KeyVault): Promise<number> {
  // Serialises rotations of one org (held until the transaction ends), so two of them cannot both leave an active key.
  await lockOrgDataKeys(sql);
  const row = await newWrappedDataKey(sql, vault, await nextDataKeyVersion(sql));
  await sql.query(`UPDATE org_data_keys SET status = 'retired' WHERE org_id = $1 AND status = 'active'`, [sql.orgId]);
  await insertDataKey(sql, row);
  return row.version;
}
