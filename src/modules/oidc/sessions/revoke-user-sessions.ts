import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import type { EndSignIns, SignInsEndReason } from '../../identity/index.js';
import type { ActingPrincipal } from '../../tenancy/index.js';
import {
  deleteGrants,
  deleteUserSessions,
  selectMembership,
  selectUserGrants,
  type SessionSelector,
} from './session-repo.js';

/** Which of a user's sign-ins end: all, those to one org's applications, or one (a grant, within the org if given). */
export interface RevocationScope {
  orgId?: OrgId;
  grantId?: string;
}

/** Why sign-ins end (the audit events' reason code). */
export type RevocationReason =
  | 'oidc.sessions_revoked_by_admin'
  | 'oidc.sessions_revoked_by_operator'
  | 'oidc.sessions_revoked_by_user'
  | 'oidc.user_disabled'
  | SignInsEndReason;

/** Who ends them, and why. */
export interface RevocationMeta {
  actor: AuditActor;
  reason: RevocationReason;
  requestId?: string;
}

/** What a revocation ended. */
export interface RevokedSessions {
  /** Grants deleted (one per sign-in to an application). */
  grants: number;
  /** Provider records deleted under them: the grants, refresh tokens, authorization codes. */
  records: number;
  /** Browser sessions ended. */
  sessions: number;
  /** Orgs whose applications' sign-ins ended (their audit chains record it). */
  orgIds: OrgId[];
}

/** What revoking needs. */
export interface SessionRevokeDeps {
  audit: AuditLog;
  platformOrgId: OrgId;
}

/**
 * Ends a user's sign-ins ("sign out everywhere") in the caller's platform transaction: deletes the grants in scope,
 * every record issued under them and the browser sessions that hold them (see deleteUserSessions); bumps the cache
 * generation of every org whose applications lost a grant, and records `identity.session.revoked` in each affected
 * org's chain (and the platform chain for a full sign-out), all in the same transaction. A `grantId` that is not a
 * grant of the user (within `orgId`, when given) is `http.not_found`.
 * INVARIANT: the generation bump commits with the deletion, so an access token of an ended sign-in is refused from
 * the next request on, on every node, cached principal or not.
 */
export async function revokeUserSessions(
  deps: SessionRevokeDeps,
  platform: PlatformSql,
  userId: string,
  scope: RevocationScope,
  meta: RevocationMeta,
): Promise<RevokedSessions> {
  const grants = (await selectUserGrants(platform, userId)).filter(
    (g) =>
      (scope.orgId === undefined || g.orgId === scope.orgId) &&
      (scope.grantId === undefined || g.grantId === scope.grantId),
  );
  if (scope.grantId !== undefined && grants.length === 0)
    throw new AppError('http.not_found', { publicMessage: 'no such session' });
  const full = scope.orgId === undefined && scope.grantId === undefined;
  const orgIds = new Set<OrgId>(grants.flatMap((g) => (g.orgId ? [g.orgId] : [])));
  if (scope.orgId) orgIds.add(scope.orgId);
  if (full) orgIds.add(deps.platformOrgId);
  // INVARIANT: the affected orgs' chain locks are taken first, in one order, before any provider row is locked (as
  // audited routes take theirs first), so two revocations, or a revocation and a member change, cannot deadlock.
  const sorted = inChainLockOrder(orgIds, deps.platformOrgId);
  for (const orgId of sorted) await platform.inTenant(orgId, (sql) => deps.audit.lockChain(sql));
  const deleted = await deleteGrants(
    platform,
    grants.map((g) => g.grantId),
  );
  const selector: SessionSelector =
    scope.grantId !== undefined
      ? { grantId: scope.grantId }
      : scope.orgId !== undefined
        ? { orgId: scope.orgId }
        : { all: true };
  const sessions = await deleteUserSessions(platform, userId, selector);
  const recordsOf = (orgId: OrgId | undefined) =>
    grants
      .filter((g) => orgId === undefined || g.orgId === orgId)
      .reduce((n, g) => n + (deleted.get(g.grantId) ?? 0), 0);
  for (const orgId of sorted)
    await platform.inTenant(orgId, async (sql) => {
      // SECURITY: cached principals of the org's user tokens are reread (and refused) from the next request on.
      await bumpOrgGeneration(sql);
      await deps.audit.append(sql, [
        {
          orgId,
          actor: meta.actor,
          requestId: meta.requestId ?? null,
          action: 'identity.session.revoked',
          resource: { type: 'User', id: userId },
          decision: 'info',
          reasonCodes: [meta.reason],
          details: {
            user_id: userId,
            scope: full ? 'all' : scope.grantId !== undefined ? 'grant' : 'org',
            ...(scope.grantId !== undefined ? { grant_id: scope.grantId } : {}),
            grants_revoked: grants.filter((g) => g.orgId === orgId).length,
            records_deleted: recordsOf(orgId),
            sessions_ended: sessions,
            ...(full && orgId === deps.platformOrgId ? { grants_revoked_everywhere: grants.length } : {}),
          },
        },
      ]);
    });
  return { grants: grants.length, records: recordsOf(undefined), sessions, orgIds: sorted };
}

/**
 * Ends an org member's sign-ins to the org's applications (all, or the one of `grantId`), for an admin of the org,
 * in the caller's platform transaction. `http.not_found` when there is no such member; only an owner ends an owner's
 * sign-ins (`tenancy.owner_protected`), as only an owner removes one.
 */
export async function revokeMemberSessions(
  deps: SessionRevokeDeps,
  platform: PlatformSql,
  by: ActingPrincipal,
  target: { orgId: OrgId; memberId: string; grantId?: string },
  audit: { actor: AuditActor; requestId?: string },
): Promise<RevokedSessions> {
  const member = await platform.inTenant(target.orgId, (sql) => selectMembership(sql, target.memberId));
  if (!member) throw new AppError('http.not_found', { publicMessage: 'no such member' });
  // SECURITY: ending an owner's sign-ins is for owners, like removing one (tenancy's assertMayRemove).
  if (member.roles.includes('owner') && !by.roles.includes('owner') && by.userId !== member.userId)
    throw new AppError('tenancy.owner_protected', { publicMessage: "only an owner may end an owner's sign-ins" });
  return revokeUserSessions(
    deps,
    platform,
    member.userId,
    { orgId: target.orgId, ...(target.grantId !== undefined ? { grantId: target.grantId } : {}) },
    { ...audit, reason: 'oidc.sessions_revoked_by_admin' },
  );
}

/**
 * The order audit chains are locked in when one transaction takes several: the platform org's first (credential use
 * cases take it before anything, see inAuditedTransaction), then the others by id.
 */
export function inChainLockOrder(orgIds: Iterable<OrgId>, platformOrgId: OrgId): OrgId[] {
  const all = new Set(orgIds);
  const others = [...all].filter((id) => id !== platformOrgId).sort();
  return all.has(platformOrgId) ? [platformOrgId, ...others] : others;
}

/** Identity's `EndSignIns`: a full sign-out of the user, audited with identity's reason. */
export function endSignInsOf(deps: SessionRevokeDeps): EndSignIns {
  return async (platform, userId, meta) => {
    await revokeUserSessions(deps, platform, userId, {}, meta);
  };
}
