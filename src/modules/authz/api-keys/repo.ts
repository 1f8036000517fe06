import type { ApiKeyId, OrgId } from '../../../lib/ids.js';
import type { PlatformSql, TenantSql } from '../../../platform/db/index.js';
import type { Action } from '../actions.js';
import type { Role } from '../principal.js';
import type { ApiKey, KeyOwner } from './api-key.js';
import type { KeyEnv } from './key-format.js';

interface KeyRow {
  org_id: OrgId;
  id: ApiKeyId;
  name: string;
  env: KeyEnv;
  owner_type: KeyOwner['type'];
  owner_id: string;
  role: Role;
  scopes: Action[];
  amr: string[];
  cidrs: string[];
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
  rotated_from: ApiKeyId | null;
  created_at: Date | string;
}

const COLUMNS =
  'org_id, id, name, env, owner_type, owner_id, role, scopes, amr, cidrs, expires_at, revoked_at, last_used_at, rotated_from, created_at';
const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toKey(row: KeyRow): ApiKey {
  return {
    orgId: row.org_id,
    id: row.id,
    name: row.name,
    env: row.env,
    owner: { type: row.owner_type, id: row.owner_id },
    role: row.role,
    scopes: row.scopes,
    amr: row.amr,
    cidrs: row.cidrs,
    expiresAt: date(row.expires_at),
    revokedAt: date(row.revoked_at),
    lastUsedAt: date(row.last_used_at),
    rotatedFrom: row.rotated_from,
    createdAt: new Date(row.created_at),
  };
}

/** Inserts a key and its index entry in the transaction's org. */
export async function insertKey(
  sql: TenantSql,
  key: Omit<ApiKey, 'orgId' | 'revokedAt' | 'lastUsedAt' | 'createdAt'> & {
    secretHash: string;
    createdBy: unknown;
    createdAt: Date;
  },
): Promise<ApiKey> {
  await sql.query('INSERT INTO api_key_index (id, org_id) VALUES ($1, $2)', [key.id, sql.orgId]);
  const { rows } = await sql.query<KeyRow>(
    `INSERT INTO api_keys (org_id, id, name, env, owner_type, owner_id, role, scopes, amr, cidrs, secret_hash, expires_at, rotated_from, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${COLUMNS}`,
    [
      sql.orgId,
      key.id,
      key.name,
      key.env,
      key.owner.type,
      key.owner.id,
      key.role,
      key.scopes,
      key.amr,
      key.cidrs,
      key.secretHash,
      key.expiresAt,
      key.rotatedFrom,
      JSON.stringify(key.createdBy),
      key.createdAt,
    ],
  );
  return toKey(rows[0] as KeyRow);
}

/** Keys of the org, oldest first, after `afterId`. */
export async function selectKeys(sql: TenantSql, options: { afterId?: string; limit: number }): Promise<ApiKey[]> {
  const { rows } = await sql.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id > $1 ORDER BY id LIMIT $2`, [
    options.afterId ?? '',
    options.limit,
  ]);
  return rows.map(toKey);
}

/** One key of the org, locked for update when `forUpdate`. */
export async function selectKey(sql: TenantSql, id: string, forUpdate = false): Promise<ApiKey | undefined> {
  const { rows } = await sql.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toKey(rows[0]) : undefined;
}

/** Sets a key's expiry to the earlier of its current one and `at`. */
export async function shortenExpiry(sql: TenantSql, id: string, at: Date): Promise<void> {
  await sql.query('UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE id = $1', [id, at]);
}

/** Revokes a key; returns false when it was already revoked. */
export async function revokeKey(sql: TenantSql, id: string, at: Date): Promise<boolean> {
  const { rowCount } = await sql.query('UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
    id,
    at,
  ]);
  return rowCount > 0;
}

/** The org a key id belongs to (platform scope). */
export async function selectKeyOrg(sql: PlatformSql, id: string): Promise<OrgId | undefined> {
  const { rows } = await sql.query<{ org_id: OrgId }>('SELECT org_id FROM api_key_index WHERE id = $1', [id]);
  return rows[0]?.org_id;
}

/** A key with its secret hash, for authentication. */
export interface KeyForAuth extends ApiKey {
  secretHash: string;
}

/** Loads a key with its secret hash for authentication. */
export async function selectKeyForAuth(sql: TenantSql, id: string): Promise<KeyForAuth | undefined> {
  const { rows } = await sql.query<KeyRow & { secret_hash: string }>(
    `SELECT ${COLUMNS}, secret_hash FROM api_keys WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? { ...toKey(row), secretHash: row.secret_hash } : undefined;
}

/** Records use of a key at most once a minute, so authentication does not write on every request. */
export async function touchKey(sql: TenantSql, id: string, at: Date): Promise<void> {
  await sql.query(
    `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '60 seconds')`,
    [id, at],
  );
}
