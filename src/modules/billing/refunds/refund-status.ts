import type { RefundStatus } from './refund-repo.js';

// A refund never moves back. Stripe documents that a succeeded refund can still fail later (the card was closed),
// so succeeded → failed is progress; failed and canceled are final.
const NEXT: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  pending: ['succeeded', 'failed', 'canceled'],
  succeeded: ['failed'],
  failed: [],
  canceled: [],
};

/** True when moving a refund from `current` to `next` is progress (a late or replayed event changes nothing). */
export function refundAdvances(current: RefundStatus, next: RefundStatus): boolean {
  return NEXT[current].includes(next);
}
