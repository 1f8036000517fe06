import type { TenantSql } from '../../../platform/db/index.js';
import { selectLatestCase } from './repo.js';

/**
 * True when the org's latest failed payment is still owed and its grace period has ended at `now`: its paid
 * entitlements drop until the payment is recovered.
 */
export async function recoveryGraceOver(sql: TenantSql, now: Date): Promise<boolean> {
  const latest = await selectLatestCase(sql);
  return latest !== null && latest.state !== 'recovered' && now >= latest.grace_ends_at;
}
