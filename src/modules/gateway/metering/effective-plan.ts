import type { Clock } from '../../../lib/clock.js';
import type { TenantSql } from '../../../platform/db/index.js';
import { readEntitlements, type Entitlements } from '../../billing/index.js';
import { readPlan, type OrgPlan } from './limits-repo.js';

// The stricter of two limits, where null is no limit.
function stricter(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** The admin-written limits narrowed by the billing plan's entitlements: per field the stricter one wins. */
export function narrowToEntitlements(plan: OrgPlan, entitlements: Entitlements | null): OrgPlan {
  if (entitlements === null) return plan;
  return {
    ...plan,
    monthlyTokens: stricter(plan.monthlyTokens, entitlements.monthlyTokens),
    rpm: stricter(plan.rpm, entitlements.rpm),
    tpm: stricter(plan.tpm, entitlements.tpm),
  };
}

/**
 * The limits the meter enforces for the org, read in the caller's tenant transaction: its written limits and its
 * billing plan's entitlements (Free without an active or trialing subscription), the stricter per field. An org
 * that never started a trial or subscription is on no billing plan: its written limits alone apply.
 * INVARIANT: read in the reservation's own transaction, so a subscription change is enforced on the next call.
 */
export async function readEffectivePlan(sql: TenantSql, clock: Clock): Promise<OrgPlan> {
  return narrowToEntitlements(await readPlan(sql), await readEntitlements(sql, clock));
}
