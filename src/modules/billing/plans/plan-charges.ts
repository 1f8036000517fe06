import { planOf, type PlanCode } from './catalogue.js';
import { entitles } from './entitlements.js';
import type { SubscriptionRow } from './subscription-repo.js';

/** A paid period: the price paid covers `[start, end)`. */
export interface BillingPeriod {
  start: Date;
  end: Date;
}

/** What moving to a plan costs now, and the period the org is then paid up to. */
export interface PlanChangeQuote {
  plan: PlanCode;
  /** In cents; 0 when nothing is charged (Free, a downgrade, a proration under the processor's minimum). */
  amount: number;
  /** Null on Free. */
  period: BillingPeriod | null;
  /** Whether an upgrade keeps the period it is prorated over (true) or a new one starts now. */
  keepsPeriod: boolean;
}

/** Stripe refuses charges under 50 cents (`amount_too_small`); a smaller proration is not charged. */
export const MINIMUM_CHARGE_CENTS = 50;

/** The end of a monthly period starting at `start`: the same day of the next month, or that month's last day. */
export function monthAfter(start: Date): Date {
  const next = new Date(start.getTime());
  const day = start.getUTCDate();
  next.setUTCDate(1);
  next.setUTCMonth(next.getUTCMonth() + 1);
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(day, lastDay));
  return next;
}

/** The monthly period that starts at `start`. */
export function periodFrom(start: Date): BillingPeriod {
  return { start, end: monthAfter(start) };
}

/** True while an active subscription's paid period runs at `now`. */
export function inPaidPeriod(row: SubscriptionRow | null, now: Date): boolean {
  return (
    row !== null &&
    row.status === 'active' &&
    row.current_period_start !== null &&
    row.current_period_end !== null &&
    row.current_period_end > now
  );
}

/**
 * What a move to `code` costs at `now`. A paid plan from Free, a trial or a lapsed subscription costs its whole
 * price and starts a new period; an upgrade inside a paid period costs the price difference for the part of the
 * period that is left (rounded up to the cent) and keeps the period; a downgrade takes effect at once and costs
 * nothing (no credit is given back: the next renewal charges the cheaper price). Free costs nothing.
 */
export function quotePlanChange(row: SubscriptionRow | null, code: PlanCode, now: Date): PlanChangeQuote {
  const target = planOf(code);
  if (target.priceCents === 0) return { plan: code, amount: 0, period: null, keepsPeriod: false };
  if (row && inPaidPeriod(row, now) && entitles(row, now)) {
    const period = { start: row.current_period_start as Date, end: row.current_period_end as Date };
    const difference = target.priceCents - planOf(row.plan).priceCents;
    if (difference <= 0) return { plan: code, amount: 0, period, keepsPeriod: true };
    const left = (period.end.getTime() - now.getTime()) / (period.end.getTime() - period.start.getTime());
    const prorated = Math.ceil(difference * left);
    return { plan: code, amount: prorated < MINIMUM_CHARGE_CENTS ? 0 : prorated, period, keepsPeriod: true };
  }
  return { plan: code, amount: target.priceCents, period: periodFrom(now), keepsPeriod: false };
}
