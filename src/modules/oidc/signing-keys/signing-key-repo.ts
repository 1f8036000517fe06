import type { JWK } from 'jose';
import type { TenantSql } from '../../../platform/db/index.js';
import type { ScheduledKey } from './key-schedule.js';

/** A stored signing key: its schedule, public JWK and the field-encrypted private JWK. */
export interface SigningKeyRow extends ScheduledKey {
  readonly publicJwk: JWK;
  readonly privateJwkCiphertext: string;
}

interface Row {
  kid: string;
  public_jwk: JWK;
  private_jwk_ciphertext: string;
  created_at: Date | string;
  signs_from: Date | string;
}

/** Where a key's private JWK ciphertext is bound (FieldCipher). */
export const privateJwkRef = (kid: string) => ({
  table: 'oidc_signing_keys',
  column: 'private_jwk_ciphertext',
  rowId: kid,
});

/** Every signing key of the platform org (the transaction's org), in schedule order. */
export async function selectSigningKeys(sql: TenantSql): Promise<SigningKeyRow[]> {
  const { rows } = await sql.query<Row>(
    'SELECT kid, public_jwk, private_jwk_ciphertext, created_at, signs_from FROM oidc_signing_keys ORDER BY signs_from, kid',
  );
  return rows.map((r) => ({
    kid: r.kid,
    publicJwk: r.public_jwk,
    privateJwkCiphertext: r.private_jwk_ciphertext,
    createdAt: new Date(r.created_at),
    signsFrom: new Date(r.signs_from),
  }));
}

/** Stores a new key. */
export async function insertSigningKey(sql: TenantSql, key: SigningKeyRow): Promise<void> {
  await sql.query(
    `INSERT INTO oidc_signing_keys (org_id, kid, alg, public_jwk, private_jwk_ciphertext, created_at, signs_from)
     VALUES ($1, $2, 'ES256', $3, $4, $5, $6)`,
    [sql.orgId, key.kid, JSON.stringify(key.publicJwk), key.privateJwkCiphertext, key.createdAt, key.signsFrom],
  );
}

/** Deletes the keys `kids` (retired keys no token needs). */
export async function deleteSigningKeys(sql: TenantSql, kids: readonly string[]): Promise<number> {
  if (kids.length === 0) return 0;
  const { rowCount } = await sql.query('DELETE FROM oidc_signing_keys WHERE kid = ANY($1)', [kids]);
  return rowCount;
}

// Rotations of every node serialise on this lock, so two nodes due at once create one key between them.
/** Takes the transaction's lock on the signing key set. */
export async function lockSigningKeys(sql: TenantSql): Promise<void> {
  await sql.query("SELECT pg_advisory_xact_lock(hashtext('bulwark.oidc_signing_keys'))");
}
