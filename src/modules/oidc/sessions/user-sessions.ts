import type { Clock } from '../../../lib/clock.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, PlatformSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import type { ActingPrincipal } from '../../tenancy/index.js';
import { disableUser, enableUser, type AccountStatusChange } from './disable-user.js';
import { listMemberSessions, listUserSessions, type UserSession } from './list-user-sessions.js';
import {
  revokeMemberSessions,
  revokeUserSessions,
  type RevocationMeta,
  type RevocationScope,
  type RevokedSessions,
} from './revoke-user-sessions.js';

/** What the session use cases are built from. */
export interface UserSessionDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  platformOrgId: OrgId;
}

/** Users' live sign-ins: list and end them (each change in the caller's platform transaction). */
export interface UserSessions {
  /** The user's live sign-ins, all or those to one org's applications. */
  list(userId: string, options?: { orgId?: OrgId }): Promise<UserSession[]>;
  /** An org member's live sign-ins to the org's applications (`http.not_found` for no such member). */
  listOfMember(orgId: OrgId, memberId: string): Promise<UserSession[]>;
  /** Ends the user's sign-ins in scope ("sign out everywhere" without one), audited in every affected org. */
  revoke(platform: PlatformSql, userId: string, scope: RevocationScope, meta: RevocationMeta): Promise<RevokedSessions>;
  /** A person ends their own sign-ins to one org's applications: all, or one grant of theirs there. */
  revokeOwn(
    platform: PlatformSql,
    userId: string,
    scope: { orgId: OrgId; grantId?: string },
    audit: { actor: AuditActor; requestId?: string },
  ): Promise<RevokedSessions>;
  /** An org admin ends a member's sign-ins to the org's applications (all, or one grant). */
  revokeOfMember(
    platform: PlatformSql,
    by: ActingPrincipal,
    target: { orgId: OrgId; memberId: string; grantId?: string },
    audit: { actor: AuditActor; requestId?: string },
  ): Promise<RevokedSessions>;
  /** Disables a user and ends every sign-in of theirs; refused when an org would be left without an active owner. */
  disable(
    platform: PlatformSql,
    userId: string,
    change: AccountStatusChange,
  ): Promise<RevokedSessions & { wasActive: boolean; orgsWithoutOwner: OrgId[] }>;
  /** Enables a disabled user again. */
  enable(platform: PlatformSql, userId: string, audit: { actor: AuditActor }): Promise<{ wasActive: boolean }>;
}

/** Binds the session use cases to their dependencies. */
export function userSessions(deps: UserSessionDeps): UserSessions {
  return {
    list: (userId, options) => listUserSessions(deps, userId, options),
    listOfMember: (orgId, memberId) => listMemberSessions(deps, orgId, memberId),
    revoke: (platform, userId, scope, meta) => revokeUserSessions(deps, platform, userId, scope, meta),
    revokeOwn: (platform, userId, scope, audit) =>
      revokeUserSessions(deps, platform, userId, scope, { ...audit, reason: 'oidc.sessions_revoked_by_user' }),
    revokeOfMember: (platform, by, target, audit) => revokeMemberSessions(deps, platform, by, target, audit),
    disable: (platform, userId, change) => disableUser(deps, platform, userId, change),
    enable: (platform, userId, audit) => enableUser(deps, platform, userId, audit),
  };
}
