// Attack: an org admin writes org policies that try to grant what the built-in policies do not.
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Principal } from '../principal.js';
import { createAuthzEngine } from './authz-engine.js';
import type { ResourceDescriptor } from './types.js';

const ACME = 'org_acme' as OrgId;
const GLOBEX = 'org_globex' as OrgId;
const PLATFORM = 'org_platform' as OrgId;
const HWK = { amr: ['pwd', 'hwk'] };

const acmeOwner: Principal = { kind: 'user', id: 'usr_a', orgId: ACME, roles: ['owner'], attributes: {}, amr: ['hwk'] };
const acmeViewer: Principal = {
  kind: 'user',
  id: 'usr_v',
  orgId: ACME,
  roles: ['viewer'],
  attributes: {},
  amr: ['hwk'],
};
const globexViewer: Principal = {
  kind: 'user',
  id: 'usr_g',
  orgId: GLOBEX,
  roles: ['viewer'],
  attributes: {},
  amr: ['hwk'],
};
const globexDoc: ResourceDescriptor = { type: 'Document', id: 'doc_g', orgId: GLOBEX };
const acmeDoc: ResourceDescriptor = { type: 'Document', id: 'doc_a', orgId: ACME };
const acmeKey: ResourceDescriptor = { type: 'ApiKey', id: 'key_a', orgId: ACME };

function engine() {
  return createAuthzEngine({ platformOrgId: PLATFORM, onAlert: () => undefined });
}

function rejection(text: string): unknown {
  try {
    engine().setOrgPolicies(ACME, text, 1);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('org policies cannot escalate privileges', () => {
  it.each([
    ["another org's resources", 'permit (principal, action, resource in Org::"org_globex");'],
    ["another org's principals", 'permit (principal in Org::"org_globex", action, resource);'],
    ['another org by attribute', 'permit (principal, action, resource) when { resource.org == Org::"org_globex" };'],
    ['the Platform', 'permit (principal, action == Action::"manage:orgs", resource is Platform);'],
    ["another org's id as a string", 'permit (principal, action, resource) when { principal.id == "org_globex" };'],
  ])('a policy naming %s is rejected as cross-tenant', (_what, text) => {
    expect(isAppError(rejection(text), 'authz.cross_tenant_policy')).toBe(true);
  });

  it('a permit-all in one org grants nothing across the tenant boundary, either way', () => {
    const e = engine();
    e.setOrgPolicies(ACME, '@id("all") permit (principal, action, resource);', 1);
    expect(e.decide(acmeOwner, 'read:documents', globexDoc).reasons).toEqual(['tenant.boundary']);
    expect(e.decide(globexViewer, 'read:documents', acmeDoc).reasons).toEqual(['tenant.boundary']);
    expect(e.decide(globexViewer, 'read:billing', { type: 'Invoice', id: 'inv_g', orgId: GLOBEX }).reasons).toEqual([
      'authz.default_deny',
    ]);
  });

  it('a permit cannot widen a viewer to manage:keys', () => {
    const e = engine();
    e.setOrgPolicies(
      ACME,
      '@id("viewers-manage-keys") permit (principal in Role::"viewer", action == Action::"manage:keys", resource);',
      1,
    );
    expect(e.decide(acmeViewer, 'manage:keys', acmeKey, HWK)).toMatchObject({
      decision: 'deny',
      reasons: ['authz.default_deny'],
    });
  });

  it('a permit cannot give an ordinary owner manage:orgs', () => {
    const e = engine();
    e.setOrgPolicies(ACME, '@id("orgs") permit (principal, action == Action::"manage:orgs", resource);', 1);
    const platform: ResourceDescriptor = { type: 'Platform', id: 'platform', orgId: ACME };
    expect(e.decide(acmeOwner, 'manage:orgs', platform, HWK).decision).toBe('deny');
  });

  it("an org's set cannot reuse a built-in id to shadow it", () => {
    const e = engine();
    e.setOrgPolicies(ACME, '@id("tenant.boundary") permit (principal, action, resource);', 1);
    expect(e.decide(acmeOwner, 'read:documents', globexDoc).reasons).toEqual(['tenant.boundary']);
  });

  it('a forbid that errors still denies', () => {
    const e = engine();
    e.setOrgPolicies(
      ACME,
      '@id("f") forbid (principal, action, resource) when { context has riskScore && context.riskScore > 1 };',
      1,
    );
    expect(e.decide(acmeOwner, 'read:documents', acmeDoc, { riskScore: 'x' }).decision).toBe('deny');
  });
});
