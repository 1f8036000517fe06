import type { Entitlements } from '../../billing/index.js';
import type { OrgPlan } from './limits-repo.js';

// The stricter of two limits, where null is no limit.
function stricter(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * The admin-written limits narrowed by the billing plan's entitlements (null: the org is on no billing plan, so its
 * written limits alone apply): per field the stricter one wins.
 */
export function narrowToEntitlements(plan: OrgPlan, entitlements: Entitlements | null): OrgPlan {
  if (entitlements === null) return plan;
  return {
    ...plan,
    monthlyTokens: stricter(plan.monthlyTokens, entitlements.monthlyTokens),
    rpm: stricter(plan.rpm, entitlements.rpm),
    tpm: stricter(plan.tpm, entitlements.tpm),
  };
}
