import type { Sql } from '../../../platform/db/index.js';

// Revocations of JWT access tokens: oidc-provider does not store JWT-format tokens, so revoking one records its
// jti here (in oidc_payloads, platform scope), for as long as any token could still be valid.
const MODEL = 'RevokedAccessToken';

/** Records that the access token `jti` is revoked until `until`. */
export async function recordRevokedToken(sql: Sql, jti: string, until: Date): Promise<void> {
  await sql.query(
    `INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (model, id) DO NOTHING`,
    [MODEL, jti, JSON.stringify({ jti }), until],
  );
}

/** Whether the access token `jti` was revoked. */
export async function isTokenRevoked(sql: Sql, jti: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM oidc_payloads WHERE model = $1 AND id = $2', [MODEL, jti]);
  return rows.length > 0;
}
