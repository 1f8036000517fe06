import { describe, expect, it } from 'vitest';
import { MINIMUM_CHARGE_CENTS, monthAfter, quotePlanChange } from './plan-charges.js';
import { nextPeriod, renewalDue } from './renewal-service.js';
import type { SubscriptionRow } from './subscription-repo.js';

const at = (iso: string) => new Date(iso);

function row(change: Partial<SubscriptionRow>): SubscriptionRow {
  return {
    id: 'sub_01',
    plan: 'pro',
    status: 'active',
    trial_ends_at: null,
    payment_method_id: 'pmt_01',
    setup_intent_ciphertext: null,
    action_url: null,
    decline_code: null,
    current_period_start: at('2026-03-01T00:00:00Z'),
    current_period_end: at('2026-04-01T00:00:00Z'),
    pending_plan: null,
    pending_payment_id: null,
    version: 1,
    created_at: at('2026-03-01T00:00:00Z'),
    updated_at: at('2026-03-01T00:00:00Z'),
    ...change,
  };
}

describe('monthly periods', () => {
  it.each([
    ['2026-01-15T10:00:00Z', '2026-02-15T10:00:00Z'],
    ['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z'],
    ['2028-01-31T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['2026-12-31T23:59:59Z', '2027-01-31T23:59:59Z'],
  ])('a period from %s ends %s', (start, end) => {
    expect(monthAfter(at(start)).toISOString()).toBe(at(end).toISOString());
  });
});

describe('what a plan change costs', () => {
  const mid = at('2026-03-16T12:00:00Z');

  it('a paid plan from Free, a trial or a lapsed period costs its whole price and starts a period now', () => {
    for (const current of [null, row({ plan: 'free', current_period_start: null, current_period_end: null })]) {
      const quote = quotePlanChange(current, 'pro', mid);
      expect(quote).toMatchObject({ plan: 'pro', amount: 4_900, keepsPeriod: false });
      expect(quote.period?.start).toEqual(mid);
      expect(quote.period?.end).toEqual(monthAfter(mid));
    }
    const trial = row({
      status: 'trialing',
      trial_ends_at: at('2026-03-20T00:00:00Z'),
      current_period_start: null,
      current_period_end: null,
    });
    expect(quotePlanChange(trial, 'enterprise', mid).amount).toBe(49_900);
    const lapsed = row({ current_period_end: at('2026-03-10T00:00:00Z') });
    expect(quotePlanChange(lapsed, 'pro', mid)).toMatchObject({ amount: 4_900, keepsPeriod: false });
  });

  it('an upgrade inside a paid period costs the difference for the rest of it, rounded up, and keeps it', () => {
    const quote = quotePlanChange(row({}), 'enterprise', mid);
    // Half of March's 31 days are left: (49,900 - 4,900) x 15.5 / 31.
    expect(quote).toMatchObject({ plan: 'enterprise', amount: 22_500, keepsPeriod: true });
    expect(quote.period).toEqual({ start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z') });
  });

  it('a downgrade costs nothing and keeps the period; a proration under the minimum is not charged', () => {
    expect(quotePlanChange(row({ plan: 'enterprise' }), 'pro', mid)).toMatchObject({ amount: 0, keepsPeriod: true });
    expect(quotePlanChange(row({}), 'free', mid)).toMatchObject({ amount: 0, period: null });
    const lastMinute = quotePlanChange(row({}), 'enterprise', at('2026-03-31T23:59:00Z'));
    expect(lastMinute.amount).toBe(0);
    // Two hours before the end: 45,000 x 7,200 / 2,678,400 = 120.97, over the minimum, so charged (rounded up).
    const lastHours = quotePlanChange(row({}), 'enterprise', at('2026-03-31T22:00:00Z'));
    expect(lastHours.amount).toBe(121);
    expect(lastHours.amount).toBeGreaterThanOrEqual(MINIMUM_CHARGE_CENTS);
  });
});

describe('renewals', () => {
  it('are due when an active paid period or a trial ends, or a paid plan was never charged', () => {
    const end = at('2026-04-01T00:00:00Z');
    expect(renewalDue(row({}), at('2026-03-31T23:59:59Z'))).toBe(false);
    expect(renewalDue(row({}), end)).toBe(true);
    expect(renewalDue(row({ current_period_start: null, current_period_end: null }), end)).toBe(true);
    expect(renewalDue(row({ plan: 'free' }), end)).toBe(false);
    expect(renewalDue(row({ status: 'canceled' }), end)).toBe(false);
    expect(renewalDue(row({ status: 'trialing', trial_ends_at: end }), end)).toBe(true);
    expect(renewalDue(row({ status: 'trialing', trial_ends_at: end }), at('2026-03-31T00:00:00Z'))).toBe(false);
  });

  it('charge the period that starts where the last ended, the same one at any time inside it, none missed late', () => {
    const due = row({});
    const early = nextPeriod(due, at('2026-04-01T00:15:00Z'));
    expect(early).toEqual({ start: at('2026-04-01T00:00:00Z'), end: at('2026-05-01T00:00:00Z') });
    expect(nextPeriod(due, at('2026-04-29T00:00:00Z'))).toEqual(early);
    // Down for two months: the missed periods are skipped, not charged.
    expect(nextPeriod(due, at('2026-06-10T00:00:00Z'))).toEqual({
      start: at('2026-06-01T00:00:00Z'),
      end: at('2026-07-01T00:00:00Z'),
    });
    const trial = row({ status: 'trialing', trial_ends_at: at('2026-03-20T08:00:00Z'), current_period_end: null });
    expect(nextPeriod(trial, at('2026-03-20T09:00:00Z')).start).toEqual(at('2026-03-20T08:00:00Z'));
  });
});
