import { describe, expect, it } from 'vitest';
import { createAuthzEngine } from '../../src/modules/authz/engine/authz-engine.js';
import type { AuthzAlert } from '../../src/modules/authz/engine/types.js';
import { tokenPrincipal } from '../../src/http/auth/token-principal.js';
import type { AuthenticatedToken } from '../../src/modules/oidc/index.js';
import { ACME, cases, PLATFORM } from './cases.js';

const alerts: AuthzAlert[] = [];
const cached = createAuthzEngine({ platformOrgId: PLATFORM, onAlert: (alert) => alerts.push(alert) });
const uncached = createAuthzEngine({ platformOrgId: PLATFORM, onAlert: (alert) => alerts.push(alert), cacheSize: 0 });
let version = 0;

describe('decision cases', () => {
  it('has enough cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const engine of [cached, uncached]) {
      if (c.orgPolicies === undefined) engine.clearOrgPolicies(ACME);
      else engine.setOrgPolicies(ACME, c.orgPolicies, (version += 1));
    }
    // Twice on the cached engine (miss, then hit) and once uncached: all three must agree.
    for (const engine of [cached, cached, uncached]) {
      alerts.length = 0;
      const decision = engine.decide(c.principal, c.action, c.resource, c.context);
      expect({ decision: decision.decision, reasons: decision.reasons }).toEqual({
        decision: c.expect.decision,
        reasons: [...c.expect.reasons].sort(),
      });
      expect(alerts.length > 0).toBe(c.expect.alert === true);
      if (c.expect.alert === true) {
        expect(alerts[0]?.code).toBe('authz.policy_error');
        expect(decision.errors.length).toBeGreaterThan(0);
      }
    }
  });
});

// The same cases with the principal an access token yields: what a user's or a service account's token carries
// (roles, attributes, amr) must be all the decisions read.
describe('decision cases with access-token principals', () => {
  const tokenCases = cases.filter((c) => c.principal.kind !== 'api_key');

  it('covers users and service accounts', () => {
    expect(tokenCases.some((c) => c.principal.kind === 'user')).toBe(true);
    expect(tokenCases.some((c) => c.principal.kind === 'service_account')).toBe(true);
  });

  it.each(tokenCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { principal } = c;
    const common = {
      orgId: principal.orgId,
      clientId: 'cli_test',
      roles: [...principal.roles],
      attributes: { ...principal.attributes },
    };
    const token: AuthenticatedToken =
      principal.kind === 'user'
        ? { ...common, subject: 'user', userId: principal.id, amr: [...principal.amr], acr: 'mfa' }
        : { ...common, subject: 'service_account', serviceAccountId: principal.id };
    if (c.orgPolicies === undefined) uncached.clearOrgPolicies(ACME);
    else uncached.setOrgPolicies(ACME, c.orgPolicies, (version += 1));
    const decision = uncached.decide(tokenPrincipal(token), c.action, c.resource, c.context);
    expect({ decision: decision.decision, reasons: decision.reasons }).toEqual({
      decision: c.expect.decision,
      reasons: [...c.expect.reasons].sort(),
    });
  });
});
