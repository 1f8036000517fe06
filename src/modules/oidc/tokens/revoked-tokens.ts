import type { OrgId } from '../../../lib/ids.js';
import type { Sql } from '../../../platform/db/index.js';

// Revocations of JWT access tokens: oidc-provider does not store JWT-format tokens, so revoking one records its
// jti here (in oidc_payloads, platform scope), with its org, for as long as any token could still be valid.
const MODEL = 'RevokedAccessToken';

/** Records that the access token `jti` of `orgId` is revoked until `until`. */
export async function recordRevokedToken(sql: Sql, jti: string, orgId: OrgId, until: Date): Promise<void> {
  await sql.query(
    `INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (model, id) DO NOTHING`,
    [MODEL, jti, JSON.stringify({ jti, org_id: orgId }), until],
  );
}

/** Whether the access token `jti` was revoked. */
export async function isTokenRevoked(sql: Sql, jti: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM oidc_payloads WHERE model = $1 AND id = $2', [MODEL, jti]);
  return rows.length > 0;
}

/**
 * The jtis of the org's revoked access tokens still on record, or undefined when there are more than `max` (the
 * caller then checks one jti at a time). SECURITY: a revocation recorded without an org (before migration 0031)
 * counts for every org, so none is missed.
 */
export async function selectRevokedTokenIds(sql: Sql, orgId: OrgId, max: number): Promise<Set<string> | undefined> {
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM oidc_payloads
      WHERE model = $1 AND (payload->>'org_id' = $2 OR payload->>'org_id' IS NULL) LIMIT $3`,
    [MODEL, orgId, max + 1],
  );
  return rows.length > max ? undefined : new Set(rows.map((row) => row.id));
}
