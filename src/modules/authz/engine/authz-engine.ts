import { randomUUID } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { systemClock, type Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Action } from '../actions.js';
import type { Principal } from '../principal.js';
import { analyseOrgPolicies, validateOrgPolicies, type ActionCoverage } from './analyse-org-policies.js';
import { buildCedarContext } from './build-context.js';
import { buildEntitySlice } from './build-entities.js';
import { decisionCacheKey } from './cache-key.js';
import { DecisionCache } from './decision-cache.js';
import { loadPolicyBundle, ORG_POLICY_PREFIX, type PolicyBundle } from './policy-bundle.js';
import type { AuthzAlert, Decision, DecisionContext, OrgPolicyValidation, ResourceDescriptor } from './types.js';

/** What the engine needs from its composition root. */
export interface AuthzEngineOptions {
  /** The org whose owners are platform owners (`manage:orgs`). */
  platformOrgId: OrgId;
  /** Called when a policy fails to evaluate or the engine fails; the decision is a deny either way. */
  onAlert: (alert: AuthzAlert) => void;
  /** Source of `context.now` for org policies that read it; defaults to the system clock. */
  clock?: Clock;
  /** Schema and built-in policies; defaults to policies/ of the repository. */
  bundle?: PolicyBundle;
  /** Most cached decisions (least recently used evicted); 0 disables the cache. Default 10 000. */
  cacheSize?: number;
}

/** The Cedar policy engine: built-in policies, per-org policy sets and a decision cache. */
export interface AuthzEngine {
  /** Decides whether `principal` may perform `action` on `resource`; never throws, fails closed. */
  decide(principal: Principal, action: Action, resource: ResourceDescriptor, context?: DecisionContext): Decision;
  /** Validates an org's policy text without loading it. */
  validateOrgPolicies(orgId: OrgId, text: string): OrgPolicyValidation;
  /**
   * Loads (replaces) an org's policy set. Returns false, changing nothing, when `version` is not newer than the
   * loaded one. Throws AppError `authz.policy_invalid` or `authz.cross_tenant_policy` with `details.errors`.
   */
  setOrgPolicies(orgId: OrgId, text: string, version: number): boolean;
  /** Drops an org's policy set; the org falls back to the built-in policies alone. */
  clearOrgPolicies(orgId: OrgId): void;
  /** The version of the org's loaded policy set, if any. */
  orgPolicyVersion(orgId: OrgId): number | undefined;
  /** Forgets cached decisions of one org (of the principal's org), or of all orgs; O(1). */
  invalidate(orgId?: OrgId): void;
  /** The Cedar schema text policies are validated against. */
  readonly schema: string;
}

interface LoadedOrgSet {
  version: number;
  setId: string;
  /** Permits of the org narrow these actions to an allow-list. */
  narrowing: ActionCoverage;
  readsNow: boolean;
}

const DEFAULT_CACHE_SIZE = 10_000;

function frozen(decision: Decision['decision'], reasons: string[], errors: string[] = []): Decision {
  return Object.freeze({ decision, reasons: Object.freeze(reasons), errors: Object.freeze(errors) });
}

const SCOPE_MISSING = frozen('deny', ['authz.scope_missing']);
const DEFAULT_DENY = frozen('deny', ['authz.default_deny']);
const NOT_IN_ORG_ALLOW_LIST = frozen('deny', ['authz.org_permit_missing']);

function narrows(coverage: ActionCoverage, action: string): boolean {
  return coverage.all || coverage.actions.has(action);
}

/**
 * Creates the policy engine. Policy sets are parsed once into cedar-wasm's pre-parsed store (under ids unique to
 * this engine) and reused by every decision. Throws if the built-in policies are invalid.
 */
export function createAuthzEngine(options: AuthzEngineOptions): AuthzEngine {
  const bundle = options.bundle ?? loadPolicyBundle();
  const clock = options.clock ?? systemClock;
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  const cache = new DecisionCache<Decision>(cacheSize);
  // cedar-wasm's pre-parsed store is per process; a random prefix keeps engines (and tests) apart.
  const prefix = `bulwark-authz/${randomUUID()}`;
  const baseSetId = `${prefix}/base`;
  const orgs = new Map<OrgId, LoadedOrgSet>();
  const orgGenerations = new Map<string, number>();
  let globalGeneration = 0;

  function preparse(setId: string, policies: Iterable<readonly [string, string]>): void {
    const answer = cedar.preparsePolicySet(setId, { staticPolicies: Object.fromEntries(policies) });
    if (answer.type === 'failure') {
      throw new AppError('authz.policy_invalid', { details: { errors: answer.errors.map((error) => error.message) } });
    }
  }
  preparse(baseSetId, bundle.policies);

  function bump(orgId: OrgId): void {
    orgGenerations.set(orgId, (orgGenerations.get(orgId) ?? 0) + 1);
  }

  function policyError(principal: Principal, action: string, resource: ResourceDescriptor, errors: string[]): Decision {
    const alert: AuthzAlert = {
      code: 'authz.policy_error',
      orgId: principal.orgId,
      principalId: principal.id,
      action,
      resource: { type: resource.type, id: resource.id },
      errors,
    };
    try {
      options.onAlert(alert);
    } catch {
      // The decision is already a deny; a failing alert sink must not turn it into an exception.
    }
    return frozen('deny', ['authz.policy_error'], errors);
  }

  function interpret(decision: 'allow' | 'deny', reasons: string[], org: LoadedOrgSet | undefined, action: string): Decision {
    if (decision === 'deny') return reasons.length === 0 ? DEFAULT_DENY : frozen('deny', reasons.sort());
    let basePermit = false;
    let orgPermit = false;
    for (const id of reasons) {
      if (id.startsWith(ORG_POLICY_PREFIX)) orgPermit = true;
      else basePermit = true;
    }
    // SECURITY: org permits never widen. The built-in policies must allow on their own, and an org permit
    // covering this action turns the org's permits for it into an allow-list one of them must match.
    if (!basePermit) return DEFAULT_DENY;
    if (org !== undefined && !orgPermit && narrows(org.narrowing, action)) return NOT_IN_ORG_ALLOW_LIST;
    return frozen('allow', reasons.sort());
  }

  function decide(principal: Principal, action: Action, resource: ResourceDescriptor, context: DecisionContext = {}): Decision {
    try {
      // SECURITY: an API key never exceeds its scopes; its roles are intersected with them here.
      if (principal.kind === 'api_key' && !(principal.scopes?.includes(action) ?? false)) return SCOPE_MISSING;
      const org = orgs.get(principal.orgId);
      const amr = context.amr ?? principal.amr;
      const now = context.now ?? (org?.readsNow === true ? secondOf(clock.now()) : undefined);
      const key =
        cacheSize > 0
          ? decisionCacheKey({ global: globalGeneration, org: orgGenerations.get(principal.orgId) ?? 0 }, principal, action, resource, context, amr, now)
          : undefined;
      if (key !== undefined) {
        const hit = cache.get(key);
        if (hit !== undefined) return hit;
      }
      const slice = buildEntitySlice(principal, resource, options.platformOrgId);
      const answer = cedar.statefulIsAuthorized({
        principal: slice.principal,
        action: { type: 'Action', id: action },
        resource: slice.resource,
        context: buildCedarContext(context, amr, now),
        // INVARIANT: the principal's org chooses the org set; a resource of another org is denied by tenant.boundary.
        preparsedPolicySetId: org?.setId ?? baseSetId,
        entities: slice.entities,
      });
      if (answer.type === 'failure') return policyError(principal, action, resource, answer.errors.map((error) => error.message));
      const { decision, diagnostics } = answer.response;
      // SECURITY: Cedar skips a policy that errors, which silently drops a failing forbid; any error denies.
      if (diagnostics.errors.length > 0) {
        return policyError(principal, action, resource, diagnostics.errors.map((entry) => `${entry.policyId}: ${entry.error.message}`));
      }
      const result = interpret(decision, diagnostics.reason, org, action);
      if (key !== undefined) cache.set(key, result);
      return result;
    } catch (error) {
      return policyError(principal, action, resource, [error instanceof Error ? error.message : String(error)]);
    }
  }

  function setOrgPolicies(orgId: OrgId, text: string, version: number): boolean {
    const current = orgs.get(orgId);
    // INVARIANT: versions only move forward, so a late reload of an older version cannot undo a newer one.
    if (current !== undefined && current.version >= version) return false;
    const analysis = analyseOrgPolicies(text, orgId, bundle.schema);
    if (!analysis.ok) {
      const crossTenant = analysis.errors.some((issue) => issue.code === 'authz.cross_tenant_policy');
      throw new AppError(crossTenant ? 'authz.cross_tenant_policy' : 'authz.policy_invalid', { details: { errors: analysis.errors } });
    }
    const setId = `${prefix}/org/${orgId}`;
    preparse(setId, [...bundle.policies, ...analysis.policies.map((policy) => [`${ORG_POLICY_PREFIX}${policy.id}`, policy.text] as const)]);
    const actions = new Set<string>();
    let all = false;
    for (const policy of analysis.policies) {
      if (policy.effect !== 'permit') continue;
      if (policy.coverage.all) all = true;
      else for (const action of policy.coverage.actions) actions.add(action);
    }
    orgs.set(orgId, { version, setId, narrowing: all ? { all: true } : { all: false, actions }, readsNow: analysis.readsNow });
    bump(orgId);
    return true;
  }

  function clearOrgPolicies(orgId: OrgId): void {
    const current = orgs.get(orgId);
    if (current === undefined) return;
    orgs.delete(orgId);
    bump(orgId);
    // Releases the parsed set; cedar-wasm has no delete, so the id is overwritten with an empty set.
    preparse(current.setId, []);
  }

  return {
    decide,
    validateOrgPolicies: (orgId, text) => validateOrgPolicies(text, orgId, bundle.schema),
    setOrgPolicies,
    clearOrgPolicies,
    orgPolicyVersion: (orgId) => orgs.get(orgId)?.version,
    invalidate(orgId) {
      if (orgId === undefined) globalGeneration += 1;
      else bump(orgId);
    },
    schema: bundle.schema,
  };
}

function secondOf(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
}
