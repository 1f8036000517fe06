import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, PlatformSql } from '../../../platform/db/index.js';
import { selectClientNames, selectMembership, selectUserGrants, type GrantRecord } from './session-repo.js';

/**
 * One live sign-in of a user: a standing grant of the user to one application. Holds nothing that acts as a
 * credential: the grant id only names the sign-in (it is in the sign-in's own access tokens, as `grant_id`), and
 * nothing is issued for it without the refresh token or browser session that it is not.
 */
export interface UserSession {
  grantId: string;
  clientId: string;
  /** The application's name in its org. */
  clientName: string | null;
  /** The org that owns the application. */
  orgId: OrgId;
  createdAt: Date;
  expiresAt: Date | null;
  /** When the sign-in last refreshed its tokens (its newest refresh token was issued). */
  lastRefreshAt: Date | null;
}

/** What reading sessions needs. */
export interface SessionReadDeps {
  db: Db;
  clock: Clock;
}

/**
 * The user's live sign-ins, oldest first: all of them, or (with `orgId`) only those to applications of that org.
 * SECURITY: an org's admins see their own applications' sign-ins only, never which other orgs' applications the
 * (global) user signs in to; only the operator's shell lists them all.
 */
export async function listUserSessions(
  deps: SessionReadDeps,
  userId: string,
  options: { orgId?: OrgId } = {},
): Promise<UserSession[]> {
  return deps.db.withPlatform((platform) => sessionsOf(platform, deps.clock.now(), userId, options.orgId));
}

/** The live sign-ins of an org's member to the org's applications; `http.not_found` when there is no such member. */
export async function listMemberSessions(
  deps: SessionReadDeps,
  orgId: OrgId,
  memberId: string,
): Promise<UserSession[]> {
  return deps.db.withPlatform(async (platform) => {
    const member = await platform.inTenant(orgId, (sql) => selectMembership(sql, memberId));
    if (!member) throw new AppError('http.not_found', { publicMessage: 'no such member' });
    return sessionsOf(platform, deps.clock.now(), member.userId, orgId);
  });
}

async function sessionsOf(
  platform: PlatformSql,
  now: Date,
  userId: string,
  orgId: OrgId | undefined,
): Promise<UserSession[]> {
  const grants = (await selectUserGrants(platform, userId, now)).filter(
    (g): g is GrantRecord & { orgId: OrgId } => g.orgId !== undefined && (orgId === undefined || g.orgId === orgId),
  );
  const names = new Map<string, string>();
  for (const org of new Set(grants.map((g) => g.orgId))) {
    const clientIds = grants.filter((g) => g.orgId === org).map((g) => g.clientId);
    for (const [id, name] of await platform.inTenant(org, (sql) => selectClientNames(sql, clientIds)))
      names.set(id, name);
  }
  return grants.map((g) => ({
    grantId: g.grantId,
    clientId: g.clientId,
    clientName: names.get(g.clientId) ?? null,
    orgId: g.orgId,
    createdAt: g.createdAt,
    expiresAt: g.expiresAt,
    lastRefreshAt: g.lastRefreshAt,
  }));
}
