import { describe, expect, it } from 'vitest';
import type { OrgId } from '../../../lib/ids.js';
import { actions } from '../actions.js';
import { createAuthzEngine } from '../engine/authz-engine.js';
import type { ResourceDescriptor } from '../engine/types.js';
import { roles, type Principal, type Role } from '../principal.js';
import { effectiveKeyRoles, roleIncludes } from './effective-roles.js';

describe('effectiveKeyRoles: the lesser of a key ceiling and its owner’s current roles', () => {
  it.each([
    // ceiling, owner's roles now, roles the key acts with
    ['admin', ['admin'], ['admin']],
    ['admin', ['developer'], ['developer']],
    ['admin', ['owner'], ['admin']],
    ['owner', ['admin'], ['admin']],
    ['owner', ['owner'], ['owner']],
    ['admin', ['developer', 'analyst'], ['developer', 'analyst']],
    ['admin', ['finance'], []],
    ['owner', ['finance', 'viewer'], ['finance', 'viewer']],
    ['developer', ['security'], []],
    ['developer', ['admin'], ['developer']],
    ['analyst', ['developer'], ['viewer']],
    ['viewer', ['owner'], ['viewer']],
    ['service', ['service'], ['service']],
    ['service', ['viewer'], []],
    ['admin', [], []],
    ['admin', ['no-such-role'], []],
  ] as const)('ceiling %s, owner %j → %j', (ceiling, ownerRoles, expected) => {
    expect(effectiveKeyRoles(ceiling, ownerRoles)).toEqual(expected);
  });

  it('never yields a role the ceiling or every owner role lacks', () => {
    for (const ceiling of roles) {
      for (const held of roles) {
        for (const r of effectiveKeyRoles(ceiling, [held])) {
          expect(roleIncludes(ceiling, r) && roleIncludes(held, r)).toBe(true);
        }
      }
    }
  });
});

// The permission order must match the built-in Cedar policies: `h` includes `r` exactly when, on every sampled
// request, an allow for `r` is also an allow for `h`.
describe('the permission order matches the built-in policies', () => {
  const ORG = 'org_acme' as OrgId;
  const PLATFORM = 'org_platform' as OrgId;
  const engine = createAuthzEngine({ platformOrgId: PLATFORM, onAlert: () => undefined });
  const resources = (orgId: OrgId, principalId: string): ResourceDescriptor[] => [
    { type: 'Org', id: orgId, orgId },
    { type: 'ApiKey', id: 'key_1', orgId, attributes: { ownerId: principalId } },
    { type: 'ApiKey', id: 'key_2', orgId, attributes: { ownerId: 'usr_someone_else' } },
    { type: 'Document', id: 'doc_1', orgId, attributes: { region: 'eu', project: 'p1', classification: 'public' } },
    { type: 'Document', id: 'doc_2', orgId, attributes: { region: 'eu', project: 'p1', classification: 'restricted' } },
    { type: 'Document', id: 'doc_3', orgId, attributes: { region: 'us', project: 'p2' } },
    { type: 'Platform', id: 'platform', orgId: PLATFORM },
  ];
  const samples: {
    principal: (role: Role) => Principal;
    resource: ResourceDescriptor;
    action: (typeof actions)[number];
  }[] = [];
  for (const orgId of [ORG, PLATFORM]) {
    for (const amr of [[], ['hwk']]) {
      const principal = (role: Role): Principal => ({
        kind: 'user',
        id: 'usr_1',
        orgId,
        roles: [role],
        attributes: { region: 'eu', projects: ['p1'] },
        amr,
      });
      for (const resource of resources(orgId, 'usr_1'))
        for (const action of actions) samples.push({ principal, resource, action });
    }
  }
  const allows = (role: Role) =>
    samples.map((s) => engine.decide(s.principal(role), s.action, s.resource).decision === 'allow');

  it('includes a role exactly when its allows are a subset', () => {
    const table = new Map(roles.map((role) => [role, allows(role)] as const));
    for (const h of roles) {
      for (const r of roles) {
        const subset = (table.get(r) ?? []).every((allowed, i) => !allowed || (table.get(h)?.[i] ?? false));
        expect({ holder: h, role: r, included: roleIncludes(h, r) }).toEqual({ holder: h, role: r, included: subset });
      }
    }
  });
});
