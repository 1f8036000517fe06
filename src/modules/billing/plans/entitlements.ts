import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { TenantSql } from '../../../platform/db/index.js';
import { paidEntitlementsFrozen } from '../disputes/entitlement-freeze.js';
import { recoveryGraceOver } from '../recovery/recovery-grace.js';
import { entitlementsOf, type Entitlements, type PlanFeature } from './catalogue.js';
import { selectSubscription, type SubscriptionRow } from './subscription-repo.js';

/** True when the subscription entitles the org to its plan at `now` (a trial past its end no longer does). */
export function entitles(row: SubscriptionRow | null, now: Date): row is SubscriptionRow {
  if (!row) return false;
  if (row.status === 'active') return true;
  return row.status === 'trialing' && row.trial_ends_at !== null && row.trial_ends_at > now;
}

/**
 * The org's entitlements, read in the caller's tenant transaction: its plan's while its subscription is active or
 * trialing and no dispute freeze or lapsed payment grace holds it back, Free otherwise; null for an org that never started a trial or subscription (it is not on a billing plan,
 * so only its written limits apply). INVARIANT: a subscription not plainly active or in a running trial is Free.
 */
export async function readEntitlements(sql: TenantSql, clock: Clock): Promise<Entitlements | null> {
  return entitlementsFor(sql, await selectSubscription(sql), clock.now());
}

/** What a subscription row entitles to at `now`, read in the row's tenant transaction (null: on no billing plan). */
export async function entitlementsFor(
  sql: TenantSql,
  row: SubscriptionRow | null,
  now: Date,
): Promise<Entitlements | null> {
  const entitled = entitlementsNow(row, now);
  if (entitled === null || entitled.plan === 'free') return entitled;
  // SECURITY: a disputed charge freezes what the org paid for, and so does a failed payment past its grace period.
  const paidSince = row?.current_period_start ?? null;
  if ((await paidEntitlementsFrozen(sql)) || (await recoveryGraceOver(sql, now, paidSince)))
    return entitlementsOf('free');
  return entitled;
}

// What the subscription alone entitles to at `now`.
function entitlementsNow(row: SubscriptionRow | null, now: Date): Entitlements | null {
  if (!row) return null;
  return entitles(row, now) ? entitlementsOf(row.plan) : entitlementsOf('free');
}

/** Whether entitlements turn `feature` on: always for an org on no billing plan (its written limits alone apply). */
export function planAllows(entitlements: Entitlements | null, feature: PlanFeature): boolean {
  return entitlements === null || entitlements.features.includes(feature);
}

/**
 * Refuses, in the caller's tenant transaction, what the org's plan does not include now (402
 * `billing.plan_feature_required`, naming the feature and the plan). SECURITY: read at each use, not only when the
 * thing was configured, so a downgrade ends the feature at once.
 */
export async function requirePlanFeature(sql: TenantSql, clock: Clock, feature: PlanFeature): Promise<void> {
  const entitlements = await readEntitlements(sql, clock);
  if (planAllows(entitlements, feature)) return;
  throw new AppError('billing.plan_feature_required', {
    publicMessage: `the ${entitlements?.plan ?? 'current'} plan does not include ${feature}`,
    details: { feature, plan: entitlements?.plan ?? null },
  });
}
