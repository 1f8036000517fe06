import type { Clock } from '../../../lib/clock.js';
import type { TenantSql } from '../../../platform/db/index.js';
import { entitlementsOf, type Entitlements } from './catalogue.js';
import { selectSubscription, type SubscriptionRow } from './subscription-repo.js';

/** True when the subscription entitles the org to its plan at `now` (a trial past its end no longer does). */
export function entitles(row: SubscriptionRow | null, now: Date): row is SubscriptionRow {
  if (!row) return false;
  if (row.status === 'active') return true;
  return row.status === 'trialing' && row.trial_ends_at !== null && row.trial_ends_at > now;
}

/**
 * The org's entitlements, read in the caller's tenant transaction: its plan's while its subscription is active or
 * trialing, Free otherwise; null for an org that never started a trial or subscription (it is not on a billing plan,
 * so only its written limits apply). INVARIANT: a subscription not plainly active or in a running trial is Free.
 */
export async function readEntitlements(sql: TenantSql, clock: Clock): Promise<Entitlements | null> {
  return entitlementsNow(await selectSubscription(sql), clock.now());
}

/** What a subscription row entitles to at `now` (null: no subscription, not on a billing plan). */
export function entitlementsNow(row: SubscriptionRow | null, now: Date): Entitlements | null {
  if (!row) return null;
  return entitles(row, now) ? entitlementsOf(row.plan) : entitlementsOf('free');
}
