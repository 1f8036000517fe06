import type { OrgId } from '../../../lib/ids.js';
import type { PlatformSql, TenantSql } from '../../../platform/db/index.js';

/** A user's grant (one sign-in of the user to one application) as stored, with its application's org. */
export interface GrantRecord {
  grantId: string;
  clientId: string;
  /** Undefined only for a client id no org owns (it cannot be in use: the provider finds no such client). */
  orgId: OrgId | undefined;
  createdAt: Date;
  expiresAt: Date | null;
  /** When the newest refresh token of the grant was issued (the last refresh, or the sign-in when never refreshed). */
  lastRefreshAt: Date | null;
}

interface GrantRow {
  id: string;
  client_id: string;
  org_id: OrgId | null;
  iat: string | null;
  expires_at: Date | string | null;
  last_refresh_iat: string | null;
}

const fromEpoch = (seconds: string | null): Date | null => (seconds === null ? null : new Date(Number(seconds) * 1000));

/**
 * The user's grants, oldest first; with `standingAt`, only those not expired then. The payload's `accountId` is the
 * user id the provider signed in (findAccount), never anything a client supplied.
 */
export async function selectUserGrants(sql: PlatformSql, userId: string, standingAt?: Date): Promise<GrantRecord[]> {
  const { rows } = await sql.query<GrantRow>(
    `SELECT g.id, g.payload->>'clientId' AS client_id, c.org_id, g.payload->>'iat' AS iat, g.expires_at,
            (SELECT max((r.payload->>'iat')::bigint)::text FROM oidc_payloads r
              WHERE r.model = 'RefreshToken' AND r.grant_id = g.id) AS last_refresh_iat
       FROM oidc_payloads g LEFT JOIN oidc_client_index c ON c.id = g.payload->>'clientId'
      WHERE g.model = 'Grant' AND g.payload->>'accountId' = $1
        AND ($2::timestamptz IS NULL OR g.expires_at IS NULL OR g.expires_at > $2)
      ORDER BY (g.payload->>'iat')::bigint, g.id`,
    [userId, standingAt ?? null],
  );
  return rows.map((r) => ({
    grantId: r.id,
    clientId: r.client_id,
    orgId: r.org_id ?? undefined,
    createdAt: fromEpoch(r.iat) ?? new Date(0),
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    lastRefreshAt: fromEpoch(r.last_refresh_iat),
  }));
}

/**
 * Deletes the grants and every provider record issued under them (refresh tokens, authorization codes, …, all
 * models); returns how many records went, per grant id (the grant row itself included).
 */
export async function deleteGrants(sql: PlatformSql, grantIds: readonly string[]): Promise<Map<string, number>> {
  const deleted = new Map<string, number>();
  if (grantIds.length === 0) return deleted;
  const { rows } = await sql.query<{ grant_id: string }>(
    `DELETE FROM oidc_payloads
      WHERE grant_id = ANY($1::text[]) OR (model = 'Grant' AND id = ANY($1::text[]))
      RETURNING CASE WHEN model = 'Grant' THEN id ELSE grant_id END AS grant_id`,
    [grantIds],
  );
  for (const { grant_id } of rows) deleted.set(grant_id, (deleted.get(grant_id) ?? 0) + 1);
  return deleted;
}

/** Which browser sessions (and sign-ins in progress) of a user end. */
export type SessionSelector = { all: true } | { orgId: OrgId } | { grantId: string };

/**
 * Deletes the user's browser sessions that `selector` picks: all of them, those holding an authorization for an
 * application of `orgId`, or the one holding `grantId`; and the user's sign-ins in progress (interactions) to the same
 * applications. Returns how many sessions went.
 * SECURITY: a session is the proof of a sign-in the browser presents; one left standing would let that browser
 * (perhaps the stolen one) take a new grant silently. Refresh tokens do not expire with their session
 * (build-provider), so ending a session shared with another org's applications leaves that org's grants standing.
 */
export async function deleteUserSessions(sql: PlatformSql, userId: string, selector: SessionSelector): Promise<number> {
  const orgId = 'orgId' in selector ? selector.orgId : null;
  const grantId = 'grantId' in selector ? selector.grantId : null;
  const { rowCount } = await sql.query(
    `DELETE FROM oidc_payloads s
      WHERE s.model = 'Session' AND s.payload->>'accountId' = $1
        AND (($2::text IS NULL AND $3::text IS NULL) OR EXISTS (
          SELECT 1 FROM jsonb_each(COALESCE(s.payload->'authorizations', '{}'::jsonb)) a
           WHERE a.value->>'grantId' = $3
              OR EXISTS (SELECT 1 FROM oidc_client_index c WHERE c.id = a.key AND c.org_id = $2)))`,
    [userId, orgId, grantId],
  );
  await sql.query(
    `DELETE FROM oidc_payloads i
      WHERE i.model = 'Interaction'
        AND $1 IN (i.payload->'session'->>'accountId', i.payload->'result'->'login'->>'accountId')
        AND (($2::text IS NULL AND $3::text IS NULL) OR i.grant_id = $3
          OR EXISTS (SELECT 1 FROM oidc_client_index c WHERE c.id = i.payload->'params'->>'client_id' AND c.org_id = $2))`,
    [userId, orgId, grantId],
  );
  return rowCount;
}

/** The names of the transaction org's clients among `clientIds`. */
export async function selectClientNames(sql: TenantSql, clientIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await sql.query<{ id: string; name: string }>(
    'SELECT id, name FROM oidc_clients WHERE id = ANY($1::text[])',
    [clientIds],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The user and roles of a membership of the transaction's org, if it exists. */
export async function selectMembership(
  sql: TenantSql,
  memberId: string,
): Promise<{ userId: string; roles: string[] } | undefined> {
  const { rows } = await sql.query<{ user_id: string; roles: string[] }>(
    'SELECT user_id, roles FROM memberships WHERE id = $1',
    [memberId],
  );
  return rows[0] ? { userId: rows[0].user_id, roles: rows[0].roles } : undefined;
}
