import type { PaymentStatus } from './repo.js';

// A payment never moves back: an answer or event about an earlier state than the one recorded changes nothing.
const RANK: Readonly<Record<PaymentStatus, number>> = { pending: 0, requires_action: 1, failed: 2, succeeded: 3 };

/** True when moving a payment from `current` to `next` is progress (out-of-order events are told by state). */
export function advances(current: PaymentStatus, next: PaymentStatus): boolean {
  return RANK[next] > RANK[current];
}
