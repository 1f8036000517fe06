import { systemClock, type Clock } from '../../lib/clock.js';
import { isAppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import type { Db } from '../db/index.js';
import { lockDataKeysBelowKek, rewrapDataKey } from './data-keys.js';
import type { KeyVault } from './key-vault.js';

/** Options of a KEK rotation. */
export interface RotateKekOptions {
  /** The orgs whose data keys are re-wrapped (the tenancy module knows them; the platform layer does not). */
  readonly listOrgIds: () => Promise<readonly OrgId[]>;
  /** False re-wraps under the current KEK without creating one: finishes an interrupted rotation. Default true. */
  readonly createVersion?: boolean;
  readonly clock?: Clock;
}

/** What a KEK rotation did. */
export interface RotateKekResult {
  readonly orgs: number;
  readonly keysRewrapped: number;
  readonly kekVersion: number;
  /** Orgs with a data key that failed to unwrap (altered row, missing KEK); left as they were, the others were done. */
  readonly failedOrgs: readonly OrgId[];
}

/**
 * Creates a new KEK version and re-wraps every org's data keys under it, one org per tenant transaction.
 * Field data is not touched. Old KEK versions stay in the vault, so a crash midway loses nothing: keys not yet
 * re-wrapped still unwrap, and running again (with `createVersion: false` to reuse the new KEK) finishes the job.
 * An org whose key fails to unwrap is rolled back and listed in `failedOrgs`; the rotation goes on with the rest.
 */
export async function rotateKek(db: Db, vault: KeyVault, options: RotateKekOptions): Promise<RotateKekResult> {
  const clock = options.clock ?? systemClock;
  const target = options.createVersion === false ? vault.currentKekVersion() : await vault.createKekVersion();
  const orgIds = await options.listOrgIds();
  let keysRewrapped = 0;
  const failedOrgs: OrgId[] = [];
  for (const orgId of orgIds) {
    try {
      keysRewrapped += await db.withTenant(orgId, async (sql) => {
        const rows = await lockDataKeysBelowKek(sql, target);
        for (const row of rows) await rewrapDataKey(sql, vault, row, clock.now());
        return rows.length;
      });
    } catch (error) {
      // One org's damaged key must not hold back the others; a vault that is down stops the whole run.
      if (!isAppError(error, 'vault.decrypt_failed') && !isAppError(error, 'vault.key_not_found')) throw error;
      failedOrgs.push(orgId);
    }
  }
  return { orgs: orgIds.length, keysRewrapped, kekVersion: target, failedOrgs };
}
