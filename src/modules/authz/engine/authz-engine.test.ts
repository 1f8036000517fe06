import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/clock.js';
import { isAppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Principal } from '../principal.js';
import { createAuthzEngine } from './authz-engine.js';
import type { AuthzAlert, ResourceDescriptor } from './types.js';

const ACME = 'org_acme' as OrgId;
const PLATFORM = 'org_platform' as OrgId;
const developer: Principal = {
  kind: 'user',
  id: 'usr_dev',
  orgId: ACME,
  roles: ['developer'],
  attributes: {},
  amr: ['pwd', 'otp'],
};
const model: ResourceDescriptor = { type: 'Model', id: 'mdl_1', orgId: ACME };

function engineWith(extra: { cacheSize?: number; clock?: ManualClock } = {}) {
  const alerts: AuthzAlert[] = [];
  const engine = createAuthzEngine({ platformOrgId: PLATFORM, onAlert: (alert) => alerts.push(alert), ...extra });
  return { engine, alerts };
}

describe('decision cache', () => {
  it('answers a repeated decision from the cache', () => {
    const { engine } = engineWith();
    const first = engine.decide(developer, 'invoke:models', model);
    expect(engine.decide(developer, 'invoke:models', model)).toBe(first);
  });

  it('keys on the context, the amr, the roles and the resource attributes', () => {
    const { engine } = engineWith();
    const doc: ResourceDescriptor = {
      type: 'Document',
      id: 'doc_1',
      orgId: ACME,
      attributes: { classification: 'public' },
    };
    const viewer: Principal = { ...developer, roles: ['viewer'] };
    expect(engine.decide(viewer, 'read:documents', doc).decision).toBe('allow');
    expect(
      engine.decide(viewer, 'read:documents', { ...doc, attributes: { classification: 'restricted' } }).decision,
    ).toBe('deny');
    expect(engine.decide({ ...viewer, roles: [] }, 'read:documents', doc).decision).toBe('deny');
    const owner: Principal = { ...developer, roles: ['owner'] };
    const org: ResourceDescriptor = { type: 'Org', id: ACME, orgId: ACME };
    expect(engine.decide(owner, 'manage:org', org, { amr: ['hwk'] }).decision).toBe('allow');
    expect(engine.decide(owner, 'manage:org', org, { amr: ['pwd'] }).decision).toBe('deny');
    expect(engine.decide(owner, 'manage:org', org).decision).toBe('deny');
    expect(engine.decide({ ...owner, amr: ['hwk'] }, 'manage:org', org).decision).toBe('allow');
  });

  it('is invalidated by loading org policies, by invalidate(org) and by invalidate()', () => {
    const { engine } = engineWith();
    const first = engine.decide(developer, 'invoke:models', model);
    engine.setOrgPolicies(ACME, '@id("no-invoke") forbid (principal, action == Action::"invoke:models", resource);', 1);
    expect(engine.decide(developer, 'invoke:models', model).reasons).toEqual(['org:no-invoke']);
    engine.clearOrgPolicies(ACME);
    const afterClear = engine.decide(developer, 'invoke:models', model);
    expect(afterClear).toEqual(first);
    expect(afterClear).not.toBe(first);
    engine.invalidate(ACME);
    const afterOrg = engine.decide(developer, 'invoke:models', model);
    expect(afterOrg).not.toBe(afterClear);
    engine.invalidate();
    expect(engine.decide(developer, 'invoke:models', model)).not.toBe(afterOrg);
  });

  it('stays bounded', () => {
    const { engine } = engineWith({ cacheSize: 2 });
    const a = engine.decide(developer, 'invoke:models', { ...model, id: 'a' });
    engine.decide(developer, 'invoke:models', { ...model, id: 'b' });
    engine.decide(developer, 'invoke:models', { ...model, id: 'c' });
    expect(engine.decide(developer, 'invoke:models', { ...model, id: 'a' })).not.toBe(a);
  });

  it('does not cache policy errors, so each one alerts', () => {
    const { engine, alerts } = engineWith();
    engine.decide(developer, 'invoke:models', model, { riskScore: 0.5 });
    engine.decide(developer, 'invoke:models', model, { riskScore: 0.5 });
    expect(alerts).toHaveLength(2);
  });
});

describe('org policy sets', () => {
  it('ignores a version that is not newer than the loaded one', () => {
    const { engine } = engineWith();
    expect(
      engine.setOrgPolicies(ACME, '@id("v2") forbid (principal, action == Action::"invoke:models", resource);', 2),
    ).toBe(true);
    expect(engine.setOrgPolicies(ACME, '', 1)).toBe(false);
    expect(engine.orgPolicyVersion(ACME)).toBe(2);
    expect(engine.decide(developer, 'invoke:models', model).reasons).toEqual(['org:v2']);
  });

  it('throws policy_invalid with line and column, and cross_tenant_policy, leaving the loaded set alone', () => {
    const { engine } = engineWith();
    const attempt = (text: string) => {
      try {
        engine.setOrgPolicies(ACME, text, 5);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const invalid = attempt('forbid (principal, action, resource)\n  when { resource.nope };');
    expect(isAppError(invalid, 'authz.policy_invalid')).toBe(true);
    expect(isAppError(invalid) && invalid.details?.['errors']).toContainEqual(
      expect.objectContaining({ line: 2, column: 10 }),
    );
    expect(
      isAppError(attempt('forbid (principal, action, resource in Org::"org_globex");'), 'authz.cross_tenant_policy'),
    ).toBe(true);
    expect(engine.orgPolicyVersion(ACME)).toBeUndefined();
  });

  it('fills context.now from the clock, to the second, when an org policy reads it', () => {
    const clock = new ManualClock('2026-01-01T03:00:00.250Z');
    const { engine } = engineWith({ clock });
    engine.setOrgPolicies(
      ACME,
      '@id("night") forbid (principal, action == Action::"invoke:models", resource) when { context has now && context.now.toTime() < duration("6h") };',
      1,
    );
    expect(engine.decide(developer, 'invoke:models', model).reasons).toEqual(['org:night']);
    clock.advance(9 * 3600 * 1000);
    expect(engine.decide(developer, 'invoke:models', model).decision).toBe('allow');
  });
});

describe('failures', () => {
  it('denies and alerts with the failing policy', () => {
    const { engine, alerts } = engineWith();
    engine.setOrgPolicies(
      ACME,
      '@id("risk") forbid (principal, action, resource) when { context has riskScore && context.riskScore > 80 };',
      1,
    );
    const decision = engine.decide(developer, 'invoke:models', model, { riskScore: 'high' });
    expect(decision).toMatchObject({ decision: 'deny', reasons: ['authz.policy_error'] });
    expect(decision.errors[0]).toMatch(/^org:risk: /);
    expect(alerts).toEqual([
      expect.objectContaining({
        code: 'authz.policy_error',
        orgId: ACME,
        principalId: 'usr_dev',
        action: 'invoke:models',
      }),
    ]);
  });

  it('still denies when the alert sink throws', () => {
    const engine = createAuthzEngine({
      platformOrgId: PLATFORM,
      onAlert: () => {
        throw new Error('sink down');
      },
    });
    expect(engine.decide(developer, 'invoke:models', model, { riskScore: 0.5 }).reasons).toEqual([
      'authz.policy_error',
    ]);
  });

  it('rejects context keys that are not identifiers and nested values', () => {
    const { engine } = engineWith();
    expect(engine.decide(developer, 'invoke:models', model, { 'x-y': 'z' }).reasons).toEqual(['authz.policy_error']);
    const nested = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, string>;
    expect(engine.decide(developer, 'invoke:models', model, nested).reasons).toEqual(['authz.policy_error']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('never trusts caller attributes outside the known set', () => {
    const { engine } = engineWith();
    const forged = {
      ...model,
      orgId: 'org_globex' as OrgId,
      attributes: { org: ACME },
    } as unknown as ResourceDescriptor;
    expect(engine.decide({ ...developer, roles: ['owner'] }, 'read:models', forged).reasons).toEqual([
      'tenant.boundary',
    ]);
  });
});
