import type { TenantSql } from '../../../platform/db/index.js';
import { selectLatestCase } from './repo.js';

/**
 * True when the org's latest failed payment is still owed and its grace period has ended at `now`: its paid
 * entitlements drop until the payment is recovered. `paidSince` is the start of the period the org last paid for
 * (null when unknown): a payment that failed before it was owed for an earlier plan, and a plan paid afresh since is
 * not held back by it.
 */
export async function recoveryGraceOver(sql: TenantSql, now: Date, paidSince: Date | null = null): Promise<boolean> {
  const latest = await selectLatestCase(sql);
  if (latest === null || latest.state === 'recovered' || now < latest.grace_ends_at) return false;
  return paidSince === null || latest.opened_at >= paidSince;
}
