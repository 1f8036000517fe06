import { describe, expect, it } from 'vitest';
import {
  assertMayChange,
  assertMayGrant,
  assertMayRemove,
  type ActingPrincipal,
  type CanGrantRole,
} from './acting-principal.js';

// The grant table of authz in small: owners grant anything, admins anything but owner, others nothing here.
const canGrant: CanGrantRole = (held, role) => held.includes('owner') || (held.includes('admin') && role !== 'owner');
const admin: ActingPrincipal = { roles: ['admin'], userId: 'usr_admin' };
const owner: ActingPrincipal = { roles: ['owner'], userId: 'usr_owner' };
const code = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('membership change rules', () => {
  it.each([
    ['admin demotes an owner', admin, { userId: 'usr_o2', roles: ['owner'] }, ['viewer'], 'tenancy.owner_protected'],
    [
      'admin changes an owner’s attributes',
      admin,
      { userId: 'usr_o2', roles: ['owner'] },
      undefined,
      'tenancy.owner_protected',
    ],
    ['admin makes someone owner', admin, { userId: 'usr_x', roles: ['viewer'] }, ['owner'], 'authz.role_not_grantable'],
    [
      'admin adds finance to itself',
      admin,
      { userId: 'usr_admin', roles: ['admin'] },
      ['admin', 'finance'],
      'tenancy.self_elevation',
    ],
    [
      'admin swaps its own admin for developer',
      admin,
      { userId: 'usr_admin', roles: ['admin'] },
      ['developer'],
      'tenancy.self_elevation',
    ],
    ['admin gives up a role of its own', admin, { userId: 'usr_admin', roles: ['admin', 'finance'] }, ['admin'], 'ok'],
    ['admin makes another member finance', admin, { userId: 'usr_x', roles: ['viewer'] }, ['finance'], 'ok'],
    ['owner demotes another owner', owner, { userId: 'usr_o2', roles: ['owner'] }, ['admin'], 'ok'],
    ['owner steps down to admin', owner, { userId: 'usr_owner', roles: ['owner'] }, ['admin'], 'ok'],
    [
      'a key of no user changes a member',
      { roles: ['admin'], userId: undefined },
      { userId: 'usr_x', roles: ['viewer'] },
      ['developer'],
      'ok',
    ],
  ] as const)('%s: %s', (_name, by, target, next, expected) => {
    expect(code(() => assertMayChange(by, target, next, canGrant))).toBe(expected);
  });

  it('lets only an owner remove an owner, and anyone leave', () => {
    expect(code(() => assertMayRemove(admin, { userId: 'usr_o2', roles: ['owner'] }, canGrant))).toBe(
      'tenancy.owner_protected',
    );
    expect(code(() => assertMayRemove(owner, { userId: 'usr_o2', roles: ['owner'] }, canGrant))).toBe('ok');
    expect(
      code(() =>
        assertMayRemove(
          { roles: ['developer'], userId: 'usr_dev' },
          { userId: 'usr_dev', roles: ['developer'] },
          canGrant,
        ),
      ),
    ).toBe('ok');
    expect(
      code(() =>
        assertMayRemove({ roles: ['developer'], userId: 'usr_dev' }, { userId: 'usr_x', roles: ['viewer'] }, canGrant),
      ),
    ).toBe('authz.role_not_grantable');
  });

  it('names every role that cannot be granted', () => {
    expect(() => assertMayGrant(admin, ['owner', 'viewer', 'owner'], canGrant)).toThrow(/you cannot grant: owner$/);
  });
});
