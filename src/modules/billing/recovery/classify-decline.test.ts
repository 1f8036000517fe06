import { describe, expect, it } from 'vitest';
import { classifyDecline, type DeclineReason } from './classify-decline.js';
import { RETRY_SCHEDULE_DAYS, slotAt } from './retry-schedule.js';

// Stripe's documented decline codes (https://docs.stripe.com/declines/codes) and the reason recovery gives each.
const CASES: readonly [string, DeclineReason][] = [
  ['insufficient_funds', 'insufficient_funds'],
  ['card_velocity_exceeded', 'insufficient_funds'],
  ['withdrawal_count_limit_exceeded', 'insufficient_funds'],
  ['expired_card', 'expired_card'],
  ['invalid_expiry_month', 'expired_card'],
  ['invalid_expiry_year', 'expired_card'],
  ['incorrect_number', 'expired_card'],
  ['invalid_number', 'expired_card'],
  ['new_account_information_available', 'expired_card'],
  ['card_not_supported', 'expired_card'],
  ['authentication_required', 'authentication_required'],
  ['approve_with_id', 'authentication_required'],
  ['do_not_honor', 'do_not_honor'],
  ['generic_decline', 'do_not_honor'],
  ['call_issuer', 'do_not_honor'],
  ['issuer_not_available', 'do_not_honor'],
  ['processing_error', 'do_not_honor'],
  ['try_again_later', 'do_not_honor'],
  ['reenter_transaction', 'do_not_honor'],
  ['no_action_taken', 'do_not_honor'],
  ['not_permitted', 'do_not_honor'],
  ['service_not_allowed', 'do_not_honor'],
  ['transaction_not_allowed', 'do_not_honor'],
  ['currency_not_supported', 'do_not_honor'],
  ['duplicate_transaction', 'do_not_honor'],
  ['incorrect_cvc', 'do_not_honor'],
  ['incorrect_pin', 'do_not_honor'],
  ['invalid_pin', 'do_not_honor'],
  ['offline_pin_required', 'do_not_honor'],
  ['online_or_offline_pin_required', 'do_not_honor'],
  ['pin_try_exceeded', 'do_not_honor'],
  ['incorrect_zip', 'do_not_honor'],
  ['invalid_amount', 'do_not_honor'],
  ['invalid_account', 'do_not_honor'],
  ['testmode_decline', 'do_not_honor'],
  ['fraudulent', 'hard_decline'],
  ['stolen_card', 'hard_decline'],
  ['lost_card', 'hard_decline'],
  ['pickup_card', 'hard_decline'],
  ['merchant_blacklist', 'hard_decline'],
  ['restricted_card', 'hard_decline'],
  ['security_violation', 'hard_decline'],
  ['revocation_of_all_authorizations', 'hard_decline'],
  ['revocation_of_authorization', 'hard_decline'],
  ['stop_payment_order', 'hard_decline'],
  // Not a documented code: a soft decline with few retries, never an endless or a hard one.
  ['some_future_code', 'do_not_honor'],
  ['  Insufficient_Funds ', 'insufficient_funds'],
];

describe('classifyDecline', () => {
  it.each(CASES)('%s is %s', (code, reason) => {
    expect(classifyDecline(code)).toBe(reason);
  });

  it('never schedules a retry of a hard decline', () => {
    expect(RETRY_SCHEDULE_DAYS.hard_decline).toEqual([]);
    expect(slotAt('hard_decline', new Date('2026-01-01T00:00:00Z'), 0)).toBeNull();
  });

  it('retries insufficient funds at +1, +3 and +5 days and do-not-honor at +1 and +3', () => {
    const opened = new Date('2026-01-01T00:00:00Z');
    expect([0, 1, 2, 3].map((s) => slotAt('insufficient_funds', opened, s)?.toISOString() ?? null)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-04T00:00:00.000Z',
      '2026-01-06T00:00:00.000Z',
      null,
    ]);
    expect(RETRY_SCHEDULE_DAYS.do_not_honor).toEqual([1, 3]);
  });
});
