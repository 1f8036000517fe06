import { AppError } from '../../../lib/errors/index.js';
import type { Action } from '../actions.js';
import type { Principal, Role } from '../principal.js';
import { canGrantRole } from './grantable-roles.js';

/** What a key grants: its role ceiling, its scopes and the authentication methods it carries. */
export interface KeyGrant {
  role: Role;
  scopes: readonly Action[];
  amr: readonly string[];
}

/**
 * Throws `authz.role_not_grantable` unless `issuer` may issue a key with `grant`: the role must be one the issuer
 * could grant, and a key issuer must hold every scope; nobody passes on an authentication method they lack.
 * Creation and rotation both call this, so a rotation can never yield a key its rotator could not have created.
 */
export function assertCanIssueKey(issuer: Principal, grant: KeyGrant): void {
  // INVARIANT: a key never holds more than whoever issues it: role, scopes and amr are each bounded.
  // `issuer.roles` are effective roles: for a key, already capped by its owner's current roles (authenticate).
  if (!canGrantRole(issuer.roles, grant.role))
    throw new AppError('authz.role_not_grantable', { publicMessage: `you cannot grant the role '${grant.role}'` });
  if (issuer.scopes) {
    const missing = grant.scopes.filter((s) => !issuer.scopes?.includes(s));
    if (missing.length)
      throw new AppError('authz.role_not_grantable', {
        publicMessage: `the issuing key lacks scopes: ${missing.join(', ')}`,
      });
  }
  const extraAmr = grant.amr.filter((m) => !issuer.amr.includes(m));
  if (extraAmr.length)
    throw new AppError('authz.role_not_grantable', {
      publicMessage: `you cannot give authentication methods you do not hold: ${extraAmr.join(', ')}`,
    });
}
