import type { DeclineReason } from './classify-decline.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When recovery acts on a failed payment, in days after the failure. For soft declines each slot is an off-session
 * retry of the same card; for `expired_card` each slot is a check for a card the customer added since (the dead card
 * is never charged again); for `authentication_required` the first slot asks the customer to complete 3-D Secure.
 * Insufficient funds is retried at +1, +3 and +5 days, so one of them falls after a weekly or bi-weekly payday.
 */
export const RETRY_SCHEDULE_DAYS: Readonly<Record<DeclineReason, readonly number[]>> = {
  insufficient_funds: [1, 3, 5],
  do_not_honor: [1, 3],
  expired_card: [1, 3, 5, 7],
  authentication_required: [0],
  hard_decline: [],
};

/** The time of schedule slot `step` of a case opened at `openedAt`, or null when the schedule is over. */
export function slotAt(reason: DeclineReason, openedAt: Date, step: number): Date | null {
  const days = RETRY_SCHEDULE_DAYS[reason][step];
  return days === undefined ? null : new Date(openedAt.getTime() + days * DAY_MS);
}

/** The end of the grace period of a case opened at `openedAt`. */
export function graceEndsAt(openedAt: Date, graceDays: number): Date {
  return new Date(openedAt.getTime() + graceDays * DAY_MS);
}
