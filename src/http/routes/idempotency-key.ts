import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../../lib/canonical-json.js';
import { AppError } from '../../lib/errors/index.js';
import type { IdempotencyKey, IdempotentResponse } from '../../platform/idempotency/index.js';
import { principalOf } from '../auth/route-auth.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's `Idempotency-Key` (1–255 printable ASCII characters), bound to the caller and to a hash of
 * method, path and canonical body; undefined when the header is absent. The record itself is kept by
 * `runOnce` inside the use case's transaction.
 */
export function idempotencyKeyOf(request: FastifyRequest): IdempotencyKey | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key))
    throw new AppError('http.bad_request', {
      publicMessage: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
      details: { issues: [{ field: 'header.idempotency-key', message: 'invalid' }] },
    });
  const requestHash = createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
  return { principalId: principalOf(request).id, key, requestHash };
}

/** Sets the status of an idempotent response (and `idempotent-replayed: true` on a replay); returns its body. */
export function renderIdempotent<T>(reply: FastifyReply, result: IdempotentResponse<T> & { replayed: boolean }): T {
  reply.code(result.status);
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return result.body;
}
