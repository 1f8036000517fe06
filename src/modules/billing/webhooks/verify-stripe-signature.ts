import Stripe from 'stripe';
import type { Clock } from '../../../lib/clock.js';

/** Why a webhook was refused before anything in it was read. */
export type SignatureFailure = 'missing' | 'malformed' | 'bad_signature' | 'stale' | 'future';

/** A webhook whose signature did not verify; the reason goes to the audit log, never to the sender. */
export class WebhookSignatureError extends Error {
  constructor(readonly reason: SignatureFailure) {
    super(`webhook signature refused: ${reason}`);
    this.name = 'WebhookSignatureError';
  }
}

/** How old (or how far ahead) a signed timestamp may be. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const FUTURE_SKEW_SECONDS = 60;
const MAX_HEADER_LENGTH = 4_096;

/**
 * Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over the raw body with the official SDK (HMAC-SHA256 of
 * `t.payload`, compared in constant time), against each of the current signing secrets so that a secret can be
 * rotated without losing events, and returns the parsed event. SECURITY: the body is parsed only after it verified;
 * a timestamp older than 300 s is refused (replay), and so is one more than 60 s ahead of our clock, which the SDK
 * alone would accept.
 */
export function verifyStripeSignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  clock: Clock,
): Stripe.Event {
  if (header === undefined || header === '') throw new WebhookSignatureError('missing');
  if (header.length > MAX_HEADER_LENGTH) throw new WebhookSignatureError('malformed');
  const timestamps = header
    .split(',')
    .filter((part) => part.startsWith('t='))
    .map((part) => Number(part.slice(2)));
  const timestamp = timestamps[0];
  if (timestamps.length !== 1 || timestamp === undefined || !Number.isSafeInteger(timestamp))
    throw new WebhookSignatureError('malformed');
  const now = Math.floor(clock.now().getTime() / 1000);
  if (timestamp > now + FUTURE_SKEW_SECONDS) throw new WebhookSignatureError('future');
  if (now - timestamp > SIGNATURE_TOLERANCE_SECONDS) throw new WebhookSignatureError('stale');
  for (const secret of secrets) {
    try {
      return Stripe.webhooks.constructEvent(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, now);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
    }
  }
  throw new WebhookSignatureError('bad_signature');
}
