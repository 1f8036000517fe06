import { AppError } from '../../lib/errors/index.js';

/** Who performs a membership or service-account change: their current (effective) roles and the user behind them. */
export interface ActingPrincipal {
  roles: readonly string[];
  /** The user acting, directly or through one of their API keys (the key's owner); undefined for a service account. */
  userId: string | undefined;
}

/** Whether holders of `held` may give `role` to someone; authz's grant table, injected by main.ts. */
export type CanGrantRole = (held: readonly string[], role: string) => boolean;

/** What is changed: a membership's or service account's current holder and roles. */
export interface RoleHolder {
  userId?: string;
  roles: readonly string[];
}

/** Throws `authz.role_not_grantable` naming every role of `wanted` that `by` could not grant. */
export function assertMayGrant(by: ActingPrincipal, wanted: readonly string[], canGrant: CanGrantRole): void {
  // INVARIANT: nobody hands out (or takes away) a role they could not grant.
  const refused = [...new Set(wanted)].filter((role) => !canGrant(by.roles, role));
  if (refused.length)
    throw new AppError('authz.role_not_grantable', { publicMessage: `you cannot grant: ${refused.join(', ')}` });
}

/**
 * Throws unless `by` may change `target` to `nextRoles` (undefined: roles unchanged, only attributes change):
 * only an owner changes an owner (`tenancy.owner_protected`), nobody but an owner adds a role to their own membership
 * (`tenancy.self_elevation`), and every role given or taken away must be grantable by `by`.
 */
export function assertMayChange(
  by: ActingPrincipal,
  target: RoleHolder,
  nextRoles: readonly string[] | undefined,
  canGrant: CanGrantRole,
): void {
  assertOwnerProtected(by, target);
  if (!nextRoles) return;
  const added = nextRoles.filter((role) => !target.roles.includes(role));
  // SECURITY: a member may give roles up but never raise their own, even to a role they may grant others. An owner
  // already holds every permission (role.owner permits all, and the built-in forbids exempt owners), so no role added
  // to an owner's own membership raises it; this lets an owner step down to admin.
  if (target.userId !== undefined && target.userId === by.userId && added.length > 0 && !by.roles.includes('owner')) {
    throw new AppError('tenancy.self_elevation', {
      publicMessage: `you cannot add roles to your own membership: ${added.join(', ')}`,
    });
  }
  const removed = target.roles.filter((role) => !nextRoles.includes(role));
  assertMayGrant(by, [...added, ...removed], canGrant);
}

/** Throws unless `by` may remove or disable `target`: an owner only by an owner, other roles only by who could grant them. */
export function assertMayRemove(by: ActingPrincipal, target: RoleHolder, canGrant: CanGrantRole): void {
  assertOwnerProtected(by, target);
  if (target.userId === undefined || target.userId !== by.userId) assertMayGrant(by, target.roles, canGrant);
}

function assertOwnerProtected(by: ActingPrincipal, target: RoleHolder): void {
  // SECURITY: only an owner may change or remove an owner (roles and attributes alike).
  if (target.roles.includes('owner') && !by.roles.includes('owner')) {
    throw new AppError('tenancy.owner_protected', { publicMessage: 'only an owner may change or remove an owner' });
  }
}
