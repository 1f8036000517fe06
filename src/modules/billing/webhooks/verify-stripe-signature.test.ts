import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyStripeSignature, WebhookSignatureError } from './verify-stripe-signature.js';

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const OLD = 'whsec_old_secret';
const NEW = 'whsec_new_secret';
const payload = JSON.stringify({
  id: 'evt_1',
  object: 'event',
  type: 'payment_intent.succeeded',
  data: { object: {} },
});
const sign = (body: string, secret: string, timestamp = NOW) =>
  Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });

function refusal(body: string, header: string | undefined, secrets = [NEW]): string {
  try {
    verifyStripeSignature(Buffer.from(body), header, secrets, clock);
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('Stripe-Signature verification', () => {
  it('accepts a fresh signature by any current secret (rotation) and returns the parsed event', () => {
    const event = verifyStripeSignature(Buffer.from(payload), sign(payload, OLD), [NEW, OLD], clock);
    expect(event.id).toBe('evt_1');
    expect(refusal(payload, sign(payload, NEW), [NEW, OLD])).toBe('accepted');
    // One header may carry several v1 signatures while the sender rotates: any that matches counts.
    const both = `${sign(payload, NEW)},v1=${'0'.repeat(64)}`;
    expect(refusal(payload, both)).toBe('accepted');
  });

  it('refuses forged, altered, stale, future, missing and malformed signatures', () => {
    expect(refusal(payload, sign(payload, 'whsec_attacker'))).toBe('bad_signature');
    expect(refusal(payload.replace('succeeded', 'canceled'), sign(payload, NEW))).toBe('bad_signature');
    expect(refusal(payload, sign(payload, NEW, NOW - 301))).toBe('stale');
    expect(refusal(payload, sign(payload, NEW, NOW + 61))).toBe('future');
    expect(refusal(payload, undefined)).toBe('missing');
    expect(refusal(payload, 'v1=abc')).toBe('malformed');
    expect(refusal(payload, `t=${NOW},t=${NOW},v1=abc`)).toBe('malformed');
    expect(refusal(payload, `t=${NOW}`)).toBe('bad_signature');
    expect(refusal(payload, sign(payload, NEW), [])).toBe('bad_signature');
  });
});
