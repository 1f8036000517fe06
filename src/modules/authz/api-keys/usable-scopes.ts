import type { OrgId } from '../../../lib/ids.js';
import type { Action } from '../actions.js';
import type { AuthzEngine } from '../engine/authz-engine.js';
import type { ResourceDescriptor } from '../engine/types.js';
import type { Principal } from '../principal.js';

/** Whether `principal` (a key about to be issued) could ever be allowed `action`. */
export type ScopePermits = (principal: Principal, action: Action) => boolean;

const REPRESENTATIVE = 'representative';

// One resource of each shape a built-in policy looks at: the org itself, a key owned by the key's owner (developers
// manage their own keys), an unclassified document in the principal's region and project (analysts' read:pii) and the
// Platform (platform owners' manage:orgs).
function representativeResources(principal: Principal, platformOrgId: OrgId): ResourceDescriptor[] {
  const orgId = principal.orgId;
  return [
    { type: 'Org', id: orgId, orgId },
    {
      type: 'ApiKey',
      id: REPRESENTATIVE,
      orgId,
      ...(principal.ownerId ? { attributes: { ownerId: principal.ownerId } } : {}),
    },
    {
      type: 'Document',
      id: REPRESENTATIVE,
      orgId,
      attributes: { region: REPRESENTATIVE, project: REPRESENTATIVE, classification: 'public' },
    },
    { type: 'Platform', id: 'platform', orgId: platformOrgId },
  ];
}

/**
 * Decides per scope with the real Cedar engine whether a key's roles can ever use it: allowed on at least one
 * representative resource, with the key's amr, attribute conditions assumed met. `engine` must hold the built-in
 * policies only (no org sets): what an org's current policies allow changes with their next version and may depend
 * on the request (IP, time), so it must not decide whether a key may exist.
 */
export function createScopePermits(engine: AuthzEngine, platformOrgId: OrgId): ScopePermits {
  return (principal, action) => {
    const candidate: Principal = { ...principal, attributes: { region: REPRESENTATIVE, projects: [REPRESENTATIVE] } };
    return representativeResources(candidate, platformOrgId).some(
      (resource) => engine.decide(candidate, action, resource, { amr: candidate.amr }).decision === 'allow',
    );
  };
}

/** The scopes of `principal` that `permits` says it can never use, in the order given. */
export function unusableScopes(permits: ScopePermits, principal: Principal): Action[] {
  return (principal.scopes ?? []).filter((scope) => !permits(principal, scope));
}
