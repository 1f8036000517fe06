import type { Role } from '../principal.js';

// INVARIANT: nobody grants more than they hold. Owners grant any role; admins any but owner; every other
// role only itself and the roles strictly weaker within its own line.
const GRANTABLE: Record<Role, readonly Role[]> = {
  owner: ['owner', 'admin', 'security', 'finance', 'developer', 'analyst', 'viewer', 'service'],
  admin: ['admin', 'security', 'finance', 'developer', 'analyst', 'viewer', 'service'],
  security: ['security', 'viewer'],
  finance: ['finance', 'viewer'],
  developer: ['developer', 'analyst', 'viewer', 'service'],
  analyst: ['analyst', 'viewer'],
  viewer: ['viewer'],
  service: ['service'],
};

/** True when a holder of `held` roles may give `role` to a key, member or service account. */
export function canGrantRole(held: readonly Role[], role: Role): boolean {
  return held.some((h) => GRANTABLE[h].includes(role));
}
