import type { OrgId } from '../../../lib/ids.js';
import type { Action } from '../actions.js';
import type { AuthzEngine } from '../engine/authz-engine.js';
import type { DecisionContext, ResourceDescriptor } from '../engine/types.js';
import type { Principal } from '../principal.js';

/** Someone a candidate policy text would shut out of the policies, and why. */
export interface PolicyLockout {
  who: 'author' | 'every owner';
  action: Action;
  reasons: readonly string[];
}

/** The actions that must stay open so a policy version can always be read and changed back. */
const KEEP_OPEN: readonly Action[] = ['read:policies', 'manage:policies'];

/**
 * Finds whom `text`, if it were the org's policies, would deny `read:policies` or `manage:policies` on the org's
 * policy set: the author (when the change has one), and every owner (judged by the author when the author is an
 * owner and keeps access, else by an owner with a hardware-key login and no attributes, in the author's context).
 * Evaluated by the engine on its validation instance, before anything is stored.
 */
export function findPolicyLockout(
  engine: AuthzEngine,
  orgId: OrgId,
  text: string,
  author: Principal | undefined,
  context: DecisionContext,
): PolicyLockout[] {
  const resource: ResourceDescriptor = { type: 'PolicySet', id: orgId, orgId };
  const anyOwner: Principal = {
    kind: 'user',
    id: 'usr_any_owner',
    orgId,
    roles: ['owner'],
    attributes: {},
    amr: ['hwk'],
  };
  const principals: { who: PolicyLockout['who']; principal: Principal }[] = [];
  if (author !== undefined && author.orgId === orgId) principals.push({ who: 'author', principal: author });
  principals.push({ who: 'every owner', principal: anyOwner });
  const checks = principals.flatMap(({ principal }) =>
    KEEP_OPEN.map((action) => ({ principal, action, resource, context })),
  );
  const decisions = engine.decideWithCandidate(orgId, text, checks);
  const denied: PolicyLockout[] = [];
  principals.forEach(({ who }, p) => {
    KEEP_OPEN.forEach((action, a) => {
      const decision = decisions[p * KEEP_OPEN.length + a];
      if (decision?.decision !== 'allow') denied.push({ who, action, reasons: decision?.reasons ?? [] });
    });
  });
  const authorIsOpenOwner =
    author !== undefined && author.roles.includes('owner') && !denied.some((entry) => entry.who === 'author');
  // An owner who made the change and keeps access is an owner who can undo it.
  return authorIsOpenOwner ? denied.filter((entry) => entry.who === 'author') : denied;
}
