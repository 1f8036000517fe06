import { isRole, roles, type Role } from '../principal.js';

// INVARIANT: INCLUDES[h] lists the roles r whose every permission a holder of h also has under the built-in
// policies (policies/base), so acting as r never exceeds h. It is a permission order, not the grant order of
// grantable-roles.ts: an admin may make someone finance, but does not hold finance's `bill:payments`; a developer
// may grant analyst, but lacks analyst's `read:pii`. effective-roles.test.ts checks this table against Cedar.
const INCLUDES: Record<Role, readonly Role[]> = {
  owner: ['owner', 'admin', 'security', 'finance', 'developer', 'analyst', 'viewer', 'service'],
  admin: ['admin', 'security', 'developer', 'analyst', 'viewer', 'service'],
  security: ['security'],
  finance: ['finance'],
  developer: ['developer', 'viewer', 'service'],
  analyst: ['analyst', 'viewer'],
  viewer: ['viewer'],
  service: ['service'],
};

/** True when a holder of `holder` may do everything a holder of `role` may (the permission order). */
export function roleIncludes(holder: Role, role: Role): boolean {
  return INCLUDES[holder].includes(role);
}

/**
 * The roles a key acts with: the lesser of its ceiling and its owner's current roles. Precisely, the maximal roles r
 * (in the permission order) with r ≤ ceiling and r ≤ some role the owner holds now. Every permission of the result is
 * one the ceiling and the owner both have; the result may be empty (the key can then do nothing). It is a safe lower
 * bound: a permission shared by ceiling and owner but by no single role below both (e.g. `read:org` between security
 * and developer) is not kept. Unknown role names of the owner are ignored.
 */
export function effectiveKeyRoles(ceiling: Role, ownerRoles: readonly string[]): Role[] {
  const held = ownerRoles.filter(isRole);
  const below = roles.filter((r) => roleIncludes(ceiling, r) && held.some((h) => roleIncludes(h, r)));
  return below.filter((r) => !below.some((other) => other !== r && roleIncludes(other, r)));
}
