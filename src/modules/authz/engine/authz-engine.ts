import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Action } from '../actions.js';
import type { Principal } from '../principal.js';
import { analyseOrgPolicies, validateOrgPolicies, type ActionCoverage } from './analyse-org-policies.js';
import { buildCedarContext } from './build-context.js';
import { buildEntitySlice } from './build-entities.js';
import {
  builtinCedar,
  isInstanceFailure,
  loadCedarInstance,
  withValidationInstance,
  type CedarModule,
} from './cedar-instance.js';
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
  /**
   * Loads the cedar-wasm instance that decides, at start and again after it traps. Defaults to the process's
   * built-in instance first and a fresh instance on each rebuild. A seam for tests.
   */
  loadDecisionInstance?: () => CedarModule;
}

/** One decision to evaluate against a candidate policy set. */
export interface CandidateCheck {
  principal: Principal;
  action: Action;
  resource: ResourceDescriptor;
  context?: DecisionContext;
}

/** The Cedar policy engine: built-in policies, per-org policy sets and a decision cache. */
export interface AuthzEngine {
  /** Decides whether `principal` may perform `action` on `resource`; never throws, fails closed. */
  decide(principal: Principal, action: Action, resource: ResourceDescriptor, context?: DecisionContext): Decision;
  /** Validates an org's policy text without loading it (on the validation instance). Throws `http.bad_request` for a NUL or an unpaired surrogate. */
  validateOrgPolicies(orgId: OrgId, text: string): OrgPolicyValidation;
  /**
   * Decides `checks` as if `text` were the org's policies, on the validation instance, without loading it.
   * Throws like {@link AuthzEngine.setOrgPolicies} when the text is invalid.
   */
  decideWithCandidate(orgId: OrgId, text: string, checks: readonly CandidateCheck[]): Decision[];
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
  /** How often the deciding instance was thrown away after a trap and rebuilt. */
  readonly rebuilds: number;
}

interface LoadedOrgSet {
  version: number;
  setId: string;
  /** Built-in and org policies as pre-parsed, kept to re-parse them into a rebuilt instance. */
  policies: readonly (readonly [string, string])[];
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
  const loadDecider = options.loadDecisionInstance ?? loadCedarInstance;
  // SECURITY: this instance only ever sees the trusted built-in policies and org texts that passed the bounds and
  // validation on the validation instance; untrusted text is validated elsewhere (cedar-instance.ts).
  let decider: CedarModule | undefined = options.loadDecisionInstance ? options.loadDecisionInstance() : builtinCedar;
  let rebuilds = 0;

  function preparseOn(cedar: CedarModule, setId: string, policies: Iterable<readonly [string, string]>): void {
    const answer = cedar.preparsePolicySet(setId, { staticPolicies: Object.fromEntries(policies) });
    if (answer.type === 'failure') {
      throw new AppError('authz.policy_invalid', { details: { errors: answer.errors.map((error) => error.message) } });
    }
  }

  /** The deciding instance, rebuilt (with every loaded set re-parsed) if the last one was thrown away. */
  function decisionInstance(): CedarModule {
    if (decider !== undefined) return decider;
    const fresh = loadDecider();
    preparseOn(fresh, baseSetId, bundle.policies);
    for (const org of orgs.values()) preparseOn(fresh, org.setId, org.policies);
    rebuilds += 1;
    decider = fresh;
    return fresh;
  }

  function preparse(setId: string, policies: Iterable<readonly [string, string]>): void {
    try {
      preparseOn(decisionInstance(), setId, policies);
    } catch (error) {
      if (isInstanceFailure(error)) decider = undefined;
      throw error;
    }
  }
  preparse(baseSetId, bundle.policies);

  function bump(orgId: OrgId): void {
    orgGenerations.set(orgId, (orgGenerations.get(orgId) ?? 0) + 1);
  }

  function policyError(principal: Principal, action: string, resource: ResourceDescriptor, errors: string[]): Decision {
    alert(principal, action, resource, errors);
    return frozen('deny', ['authz.policy_error'], errors);
  }

  function alert(principal: Principal, action: string, resource: ResourceDescriptor, errors: string[]): void {
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
  }

  function interpret(
    decision: 'allow' | 'deny',
    reasons: string[],
    org: LoadedOrgSet | undefined,
    action: string,
  ): Decision {
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

  /** One Cedar evaluation on `cedar` with the set `setId`; throws if the instance fails. */
  function evaluate(
    cedar: CedarModule,
    setId: string,
    org: LoadedOrgSet | undefined,
    principal: Principal,
    action: Action,
    resource: ResourceDescriptor,
    context: DecisionContext,
    amr: readonly string[],
    now: string | undefined,
  ): Decision {
    const slice = buildEntitySlice(principal, resource, options.platformOrgId);
    const answer = cedar.statefulIsAuthorized({
      principal: slice.principal,
      action: { type: 'Action', id: action },
      resource: slice.resource,
      context: buildCedarContext(context, amr, now),
      preparsedPolicySetId: setId,
      entities: slice.entities,
    });
    if (answer.type === 'failure')
      return policyError(
        principal,
        action,
        resource,
        answer.errors.map((error) => error.message),
      );
    const { decision, diagnostics } = answer.response;
    // SECURITY: Cedar skips a policy that errors, which silently drops a failing forbid; any error denies.
    if (diagnostics.errors.length > 0) {
      return policyError(
        principal,
        action,
        resource,
        diagnostics.errors.map((entry) => `${entry.policyId}: ${entry.error.message}`),
      );
    }
    return interpret(decision, diagnostics.reason, org, action);
  }

  function decide(
    principal: Principal,
    action: Action,
    resource: ResourceDescriptor,
    context: DecisionContext = {},
  ): Decision {
    try {
      // SECURITY: an API key never exceeds its scopes; its roles are intersected with them here.
      if (principal.kind === 'api_key' && !(principal.scopes?.includes(action) ?? false)) return SCOPE_MISSING;
      const org = orgs.get(principal.orgId);
      const amr = context.amr ?? principal.amr;
      const now = context.now ?? (org?.readsNow === true ? secondOf(clock.now()) : undefined);
      const key =
        cacheSize > 0
          ? decisionCacheKey(
              { global: globalGeneration, org: orgGenerations.get(principal.orgId) ?? 0 },
              principal,
              action,
              resource,
              context,
              amr,
              now,
            )
          : undefined;
      if (key !== undefined) {
        const hit = cache.get(key);
        if (hit !== undefined) return hit;
      }
      // INVARIANT: the principal's org chooses the org set; a resource of another org is denied by tenant.boundary.
      const setId = org?.setId ?? baseSetId;
      let result: Decision | undefined;
      const failures: string[] = [];
      // SECURITY: a trapped instance is thrown away and rebuilt, so one failure does not deny every later decision.
      // One retry on the rebuilt instance; a decision that traps again is denied.
      for (let attempt = 0; attempt < 2 && result === undefined; attempt += 1) {
        try {
          result = evaluate(decisionInstance(), setId, org, principal, action, resource, context, amr, now);
        } catch (error) {
          if (!isInstanceFailure(error)) throw error;
          decider = undefined;
          failures.push(
            `policy engine instance failed and was rebuilt: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      if (result === undefined) return policyError(principal, action, resource, failures);
      if (failures.length > 0) alert(principal, action, resource, failures);
      if (key !== undefined && result.errors.length === 0) cache.set(key, result);
      return result;
    } catch (error) {
      return policyError(principal, action, resource, [error instanceof Error ? error.message : String(error)]);
    }
  }

  function analyseOrThrow(orgId: OrgId, text: string) {
    const analysis = analyseOrgPolicies(text, orgId, bundle.schema);
    if (!analysis.ok) {
      const crossTenant = analysis.errors.some((issue) => issue.code === 'authz.cross_tenant_policy');
      throw new AppError(crossTenant ? 'authz.cross_tenant_policy' : 'authz.policy_invalid', {
        details: { errors: analysis.errors },
      });
    }
    const actions = new Set<string>();
    let all = false;
    for (const policy of analysis.policies) {
      if (policy.effect !== 'permit') continue;
      if (policy.coverage.all) all = true;
      else for (const action of policy.coverage.actions) actions.add(action);
    }
    const policies = [
      ...bundle.policies,
      ...analysis.policies.map((policy) => [`${ORG_POLICY_PREFIX}${policy.id}`, policy.text] as const),
    ];
    const narrowing: ActionCoverage = all ? { all: true } : { all: false, actions };
    return { policies, narrowing, readsNow: analysis.readsNow };
  }

  function decideWithCandidate(orgId: OrgId, text: string, checks: readonly CandidateCheck[]): Decision[] {
    const candidate = analyseOrThrow(orgId, text);
    const setId = `${prefix}/candidate/${randomUUID()}`;
    const org: LoadedOrgSet = { version: 0, setId, ...candidate };
    // SECURITY: the candidate is untrusted until stored; it is evaluated on the validation instance only.
    return withValidationInstance((cedar) => {
      preparseOn(cedar, setId, candidate.policies);
      try {
        return checks.map((check) => {
          const context = check.context ?? {};
          const amr = context.amr ?? check.principal.amr;
          const now = context.now ?? (candidate.readsNow ? secondOf(clock.now()) : undefined);
          if (check.principal.kind === 'api_key' && !(check.principal.scopes?.includes(check.action) ?? false))
            return SCOPE_MISSING;
          return evaluate(cedar, setId, org, check.principal, check.action, check.resource, context, amr, now);
        });
      } finally {
        preparseOn(cedar, setId, []);
      }
    });
  }

  function setOrgPolicies(orgId: OrgId, text: string, version: number): boolean {
    const current = orgs.get(orgId);
    // INVARIANT: versions only move forward, so a late reload of an older version cannot undo a newer one.
    if (current !== undefined && current.version >= version) return false;
    const loaded = analyseOrThrow(orgId, text);
    const setId = `${prefix}/org/${orgId}`;
    preparse(setId, loaded.policies);
    orgs.set(orgId, { version, setId, ...loaded });
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
    decideWithCandidate,
    get rebuilds() {
      return rebuilds;
    },
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
