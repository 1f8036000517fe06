import { AppError } from '../../../lib/errors/index.js';
import type { OrgId, UserId } from '../../../lib/ids.js';
import type { AuditActor } from '../../audit/index.js';
import type { Identity } from '../../identity/index.js';
import type { RevokedSessions } from './revoke-user-sessions.js';
import { userSessions, type UserSessionDeps } from './user-sessions.js';
import { findUserIdByEmail, orgExists, selectUsers, type UserListing } from './user-directory.js';

/** The break-glass user commands of the operator's shell (`bulwark users …`, `bulwark sessions revoke`). */
export interface OperatorUsers {
  /** Every user, or one org's members. */
  list(orgId?: OrgId): Promise<UserListing[]>;
  /** Sets a user's password (the password policy applies; audited). */
  setPassword(email: string, password: string): Promise<void>;
  /**
   * Disables a user and ends all their sign-ins; `identity.last_active_owner` when an org would be left without an
   * active owner, unless `leaveWithoutOwner`.
   */
  disable(
    email: string,
    options?: { leaveWithoutOwner?: boolean },
  ): Promise<RevokedSessions & { wasActive: boolean; orgsWithoutOwner: OrgId[] }>;
  /** Enables a disabled user again. */
  enable(email: string): Promise<{ wasActive: boolean }>;
  /** Ends a user's sign-ins: all, or those to one org's applications. */
  revokeSessions(email: string, orgId?: OrgId): Promise<RevokedSessions>;
}

// SECURITY: whoever runs these holds the server's configuration and key material already; the audit log records them
// as the CLI, since the shell user is not a Bulwark principal.
const OPERATOR: AuditActor = { type: 'system', id: 'cli' };

/** The operator's user commands; each change is one audited transaction. */
export function operatorUsers(deps: UserSessionDeps & { identity: Pick<Identity, 'setPassword'> }): OperatorUsers {
  const sessions = userSessions(deps);
  const userIdOf = async (email: string): Promise<string> => {
    const userId = await deps.db.withPlatform((sql) => findUserIdByEmail(sql, email));
    if (!userId) throw new AppError('http.not_found', { publicMessage: 'no user has this e-mail' });
    return userId;
  };
  const assertOrg = async (orgId: OrgId | undefined) => {
    if (orgId !== undefined && !(await deps.db.withPlatform((sql) => orgExists(sql, orgId))))
      throw new AppError('http.not_found', { publicMessage: 'no such org' });
  };
  return {
    async list(orgId) {
      await assertOrg(orgId);
      return deps.db.withPlatform((sql) => selectUsers(sql, orgId));
    },
    async setPassword(email, password) {
      await deps.identity.setPassword((await userIdOf(email)) as UserId, password, OPERATOR);
    },
    async disable(email, options = {}) {
      const userId = await userIdOf(email);
      const change = { actor: OPERATOR, ...(options.leaveWithoutOwner ? { leaveWithoutOwner: true } : {}) };
      return deps.db.withPlatform((platform) => sessions.disable(platform, userId, change));
    },
    async enable(email) {
      const userId = await userIdOf(email);
      return deps.db.withPlatform((platform) => sessions.enable(platform, userId, { actor: OPERATOR }));
    },
    async revokeSessions(email, orgId) {
      await assertOrg(orgId);
      const userId = await userIdOf(email);
      return deps.db.withPlatform((platform) =>
        sessions.revoke(platform, userId, orgId ? { orgId } : {}, {
          actor: OPERATOR,
          reason: 'oidc.sessions_revoked_by_operator',
        }),
      );
    },
  };
}
