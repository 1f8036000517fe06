import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../lib/canonical-json.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The idempotency key and request hash of a charge Bulwark makes itself (a plan change, a renewal).
 * SECURITY: the key holds spaces, which an `Idempotency-Key` header may not (printable ASCII without space), so no
 * caller of the payments API can claim it first to block a renewal or to have its own charge replayed as one.
 */
export function internalPaymentKey(
  purpose: 'plan-change' | 'renewal',
  scope: string,
  request: Record<string, unknown>,
): { key: string; requestHash: string } {
  return { key: `bulwark ${purpose} ${sha256(scope)}`, requestHash: sha256(canonicalJson(request)) };
}
