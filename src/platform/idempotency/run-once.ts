import { AppError } from '../../lib/errors/index.js';
import type { Clock } from '../../lib/clock.js';
import type { TenantSql } from '../db/index.js';
import type { FieldCipher } from '../vault/index.js';

const RETENTION_MS = 24 * 3600 * 1000;
/** Status of a claimed key whose effect has not finished; never visible to another transaction once committed code runs. */
const IN_PROGRESS = 0;

/** One `Idempotency-Key` as presented: whose it is, the key, and the hash of the request it came with. */
export interface IdempotencyKey {
  principalId: string;
  key: string;
  requestHash: string;
}

/** What an idempotent effect answers; the body is stored encrypted and replayed to a retry. */
export interface IdempotentResponse<T> {
  status: number;
  body: T;
}

/** Dependencies of the idempotency record. */
export interface IdempotencyDeps {
  cipher: FieldCipher;
  clock: Clock;
}

/**
 * Runs `sql` work in the tenant scope that holds the idempotency record. For a tenant transaction it is the
 * transaction itself; a platform transaction enters the owning org's scope (`PlatformSql.inTenant`).
 */
export type RecordScope = <R>(fn: (sql: TenantSql) => Promise<R>) => Promise<R>;

/**
 * Runs `effect` at most once per idempotency key, inside the caller's transaction: the key is claimed, the
 * effect runs and its response is stored (encrypted: it may hold a secret shown once) before that one
 * transaction commits. A crash or error anywhere rolls all three back, so a retry runs afresh. A concurrent
 * duplicate waits on the claimed row (PostgreSQL's unique index) and then replays the stored response; the
 * same key with another request is `http.idempotency_conflict`. Without a key the effect simply runs.
 */
export async function runOnce<T>(
  deps: IdempotencyDeps,
  scope: RecordScope,
  key: IdempotencyKey | undefined,
  effect: () => Promise<IdempotentResponse<T>>,
): Promise<IdempotentResponse<T> & { replayed: boolean }> {
  if (!key) return { ...(await effect()), replayed: false };
  const rowRef = { table: 'idempotency_keys', column: 'response_ciphertext', rowId: `${key.principalId}/${key.key}` };
  const now = deps.clock.now();
  const replay = await scope(async (sql) => {
    await sql.query(
      'DELETE FROM idempotency_keys WHERE principal_id = $1 AND idempotency_key = $2 AND (expires_at <= $3 OR status_code = $4)',
      [key.principalId, key.key, now, IN_PROGRESS],
    );
    // INVARIANT: a duplicate in flight holds this row uncommitted; the INSERT waits for it to commit or roll back.
    const inserted = await sql.query(
      'INSERT INTO idempotency_keys (org_id, principal_id, idempotency_key, request_hash, status_code, response_ciphertext, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
      [sql.orgId, key.principalId, key.key, key.requestHash, IN_PROGRESS, '', new Date(now.getTime() + RETENTION_MS)],
    );
    if (inserted.rowCount > 0) return undefined;
    const { rows } = await sql.query<{ request_hash: string; status_code: number; response_ciphertext: string }>(
      'SELECT request_hash, status_code, response_ciphertext FROM idempotency_keys WHERE principal_id = $1 AND idempotency_key = $2',
      [key.principalId, key.key],
    );
    const row = rows[0];
    if (!row || row.request_hash !== key.requestHash) throw new AppError('http.idempotency_conflict');
    return {
      status: row.status_code,
      body: JSON.parse(await deps.cipher.decryptString(sql, rowRef, row.response_ciphertext)) as T,
    };
  });
  if (replay) return { ...replay, replayed: true };
  const result = await effect();
  await scope(async (sql) => {
    const ciphertext = await deps.cipher.encrypt(sql, rowRef, JSON.stringify(result.body));
    await sql.query(
      'UPDATE idempotency_keys SET status_code = $3, response_ciphertext = $4 WHERE principal_id = $1 AND idempotency_key = $2',
      [key.principalId, key.key, result.status, ciphertext],
    );
  });
  return { ...result, replayed: false };
}
