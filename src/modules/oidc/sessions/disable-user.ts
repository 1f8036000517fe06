import { AppError, type ErrorCode } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';
import { orgsLeftWithoutActiveOwner } from '../../tenancy/index.js';
import {
  inChainLockOrder,
  revokeUserSessions,
  type RevokedSessions,
  type SessionRevokeDeps,
} from './revoke-user-sessions.js';
import { selectMemberOrgs } from './user-directory.js';

/** Who asked, and whether orgs may be left without an active owner. */
export interface AccountStatusChange {
  actor: AuditActor;
  requestId?: string;
  /** Disable even when an org (the platform org included) is left with no active owner: a compromised sole owner. */
  leaveWithoutOwner?: boolean;
}

/**
 * Disables a user in the caller's platform transaction: status `disabled` (no sign-in, refresh or API request of
 * theirs is accepted), every sign-in ended (revokeUserSessions), the cache generation of every org they are a member
 * of bumped (their API keys and cached tokens end on every node), and `identity.user.disabled` recorded in the
 * platform chain and each of those orgs' chains. `http.not_found` when there is no such user;
 * `identity.last_active_owner` when an org would be left without an active owner, unless `leaveWithoutOwner`.
 * Disabling a disabled user ends whatever sign-in is left and records it again.
 */
export async function disableUser(
  deps: SessionRevokeDeps,
  platform: PlatformSql,
  userId: string,
  change: AccountStatusChange,
): Promise<RevokedSessions & { wasActive: boolean; orgsWithoutOwner: OrgId[] }> {
  const wasActive = (await lockStatus(platform, userId)) === 'active';
  const memberOrgs = await selectMemberOrgs(platform, userId);
  const orgsWithoutOwner = wasActive ? await orgsLeftWithoutActiveOwner(platform, userId, memberOrgs) : [];
  if (orgsWithoutOwner.length > 0 && !change.leaveWithoutOwner)
    throw new AppError('identity.last_active_owner', { details: { org_ids: orgsWithoutOwner } });
  await platform.query("UPDATE users SET status = 'disabled', updated_at = now() WHERE id = $1", [userId]);
  const audit = { actor: change.actor, ...(change.requestId !== undefined ? { requestId: change.requestId } : {}) };
  const revoked = await revokeUserSessions(deps, platform, userId, {}, { ...audit, reason: 'oidc.user_disabled' });
  await recordInEveryChain(deps, platform, memberOrgs, audit, {
    userId,
    action: 'identity.user.disabled',
    reason: 'oidc.user_disabled',
    details: {
      user_id: userId,
      was_active: wasActive,
      grants_revoked: revoked.grants,
      orgs_left_without_owner: orgsWithoutOwner,
    },
  });
  return { ...revoked, wasActive, orgsWithoutOwner };
}

/**
 * Enables a disabled user in the caller's platform transaction: they may sign in again (their ended sign-ins stay
 * ended; API keys they minted work again while their memberships allow), every member org's cache generation is
 * bumped and `identity.user.enabled` recorded in the platform chain and each member org's chain.
 */
export async function enableUser(
  deps: SessionRevokeDeps,
  platform: PlatformSql,
  userId: string,
  audit: { actor: AuditActor; requestId?: string },
): Promise<{ wasActive: boolean }> {
  const wasActive = (await lockStatus(platform, userId)) === 'active';
  if (wasActive) return { wasActive };
  await platform.query("UPDATE users SET status = 'active', updated_at = now() WHERE id = $1", [userId]);
  await recordInEveryChain(deps, platform, await selectMemberOrgs(platform, userId), audit, {
    userId,
    action: 'identity.user.enabled',
    details: { user_id: userId },
  });
  return { wasActive };
}

async function lockStatus(platform: PlatformSql, userId: string): Promise<string> {
  const { rows } = await platform.query<{ status: string }>('SELECT status FROM users WHERE id = $1 FOR UPDATE', [
    userId,
  ]);
  if (!rows[0]) throw new AppError('http.not_found', { publicMessage: 'no such user' });
  return rows[0].status;
}

// Bumps each member org's cache generation (credentials re-read the account's status on every node) and records the
// change in the platform chain and each member org's chain, in the lock order every chain writer uses.
async function recordInEveryChain(
  deps: SessionRevokeDeps,
  platform: PlatformSql,
  memberOrgs: readonly OrgId[],
  audit: { actor: AuditActor; requestId?: string },
  event: { userId: string; action: string; reason?: ErrorCode; details: Record<string, unknown> },
): Promise<void> {
  for (const orgId of inChainLockOrder([deps.platformOrgId, ...memberOrgs], deps.platformOrgId))
    await platform.inTenant(orgId, async (sql) => {
      await bumpOrgGeneration(sql);
      await deps.audit.append(sql, [
        {
          orgId,
          actor: audit.actor,
          requestId: audit.requestId ?? null,
          action: event.action,
          resource: { type: 'User', id: event.userId },
          decision: 'info',
          reasonCodes: event.reason ? [event.reason] : [],
          details: event.details,
        },
      ]);
    });
}
