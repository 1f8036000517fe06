import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../../lib/canonical-json.js';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import type { ApiServices } from '../api-services.js';
import { principalOf } from '../auth/route-auth.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETENTION_MS = 24 * 3600 * 1000;
const IN_PROGRESS = 0;

/**
 * Honours `Idempotency-Key` on a POST: the first request runs and its response is stored (encrypted: it may
 * hold a secret shown once); a retry with the same key and body gets the same response; the same key with
 * another body, or while the first is still running, is `http.idempotency_conflict`.
 */
export async function withIdempotency<T>(services: ApiServices, request: FastifyRequest, reply: FastifyReply, orgId: OrgId, run: () => Promise<{ status: number; body: T }>): Promise<T> {
  const key = request.headers['idempotency-key'];
  if (key === undefined) {
    const result = await run();
    reply.code(result.status);
    return result.body;
  }
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new AppError('http.bad_request', { publicMessage: 'Idempotency-Key must be 1 to 255 printable ASCII characters', details: { issues: [{ field: 'header.idempotency-key', message: 'invalid' }] } });
  const principalId = principalOf(request).id;
  const requestHash = createHash('sha256').update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`).digest('hex');
  const rowRef = { table: 'idempotency_keys', column: 'response_ciphertext', rowId: `${principalId}/${key}` };
  const now = services.clock.now();

  const existing = await services.db.withTenant(orgId, async (sql) => {
    await sql.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND idempotency_key = $2 AND expires_at <= $3', [principalId, key, now]);
    const inserted = await sql.query(
      'INSERT INTO idempotency_keys (org_id, principal_id, idempotency_key, request_hash, status_code, response_ciphertext, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
      [orgId, principalId, key, requestHash, IN_PROGRESS, '', new Date(now.getTime() + RETENTION_MS)],
    );
    if (inserted.rowCount > 0) return undefined;
    const { rows } = await sql.query<{ request_hash: string; status_code: number; response_ciphertext: string }>('SELECT request_hash, status_code, response_ciphertext FROM idempotency_keys WHERE principal_id = $1 AND idempotency_key = $2', [principalId, key]);
    const row = rows[0];
    if (!row || row.request_hash !== requestHash || row.status_code === IN_PROGRESS) return { conflict: true as const };
    return { conflict: false as const, status: row.status_code, body: JSON.parse(await services.cipher.decryptString(sql, rowRef, row.response_ciphertext)) as T };
  });
  if (existing?.conflict) throw new AppError('http.idempotency_conflict');
  if (existing) {
    reply.code(existing.status).header('idempotent-replayed', 'true');
    return existing.body;
  }
  let result: { status: number; body: T };
  try {
    result = await run();
  } catch (error) {
    await services.db.withTenant(orgId, (sql) => sql.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND idempotency_key = $2 AND status_code = $3', [principalId, key, IN_PROGRESS]));
    throw error;
  }
  await services.db.withTenant(orgId, async (sql) => {
    const ciphertext = await services.cipher.encrypt(sql, rowRef, JSON.stringify(result.body));
    await sql.query('UPDATE idempotency_keys SET status_code = $3, response_ciphertext = $4 WHERE principal_id = $1 AND idempotency_key = $2', [principalId, key, result.status, ciphertext]);
  });
  reply.code(result.status);
  return result.body;
}
