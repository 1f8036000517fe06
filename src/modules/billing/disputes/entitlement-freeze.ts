import type { TenantSql } from '../../../platform/db/index.js';
import { anyDisputeFreeze } from './dispute-repo.js';

/**
 * True while the transaction's org has a dispute whose freeze of paid entitlements is active (opened, not yet won or
 * lifted by an operator). Entitlement checks read it in their own tenant transaction: a frozen org keeps its free
 * tier and its data, and loses what it paid for until the freeze is lifted.
 */
export function paidEntitlementsFrozen(sql: TenantSql): Promise<boolean> {
  return anyDisputeFreeze(sql);
}
