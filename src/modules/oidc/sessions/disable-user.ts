import { AppError } from '../../../lib/errors/index.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';
import {
  inChainLockOrder,
  revokeUserSessions,
  type RevokedSessions,
  type SessionRevokeDeps,
} from './revoke-user-sessions.js';
import { selectMemberOrgs } from './user-directory.js';

/**
 * Disables a user in the caller's platform transaction: status `disabled` (no sign-in, refresh or API request of
 * theirs is accepted), every sign-in ended (revokeUserSessions), the cache generation of every org they are a member
 * of bumped (their API keys and cached tokens end on every node), and `identity.user.disabled` recorded in the
 * platform chain and each of those orgs' chains; `http.not_found` when there is no such user. Disabling a disabled user ends whatever sign-in is left and records it again.
 */
export async function disableUser(
  deps: SessionRevokeDeps,
  platform: PlatformSql,
  userId: string,
  audit: { actor: AuditActor; requestId?: string },
): Promise<RevokedSessions & { wasActive: boolean }> {
  const { rows } = await platform.query<{ status: string }>('SELECT status FROM users WHERE id = $1 FOR UPDATE', [
    userId,
  ]);
  if (!rows[0]) throw new AppError('http.not_found', { publicMessage: 'no such user' });
  const wasActive = rows[0].status === 'active';
  await platform.query("UPDATE users SET status = 'disabled', updated_at = now() WHERE id = $1", [userId]);
  const revoked = await revokeUserSessions(deps, platform, userId, {}, { ...audit, reason: 'oidc.user_disabled' });
  const memberOrgs = await selectMemberOrgs(platform, userId);
  const chains = inChainLockOrder([deps.platformOrgId, ...memberOrgs], deps.platformOrgId);
  for (const orgId of chains)
    await platform.inTenant(orgId, async (sql) => {
      await bumpOrgGeneration(sql);
      await deps.audit.append(sql, [
        {
          orgId,
          actor: audit.actor,
          requestId: audit.requestId ?? null,
          action: 'identity.user.disabled',
          resource: { type: 'User', id: userId },
          decision: 'info',
          reasonCodes: ['oidc.user_disabled'],
          details: { user_id: userId, was_active: wasActive, grants_revoked: revoked.grants },
        },
      ]);
    });
  return { ...revoked, wasActive };
}
