import { describe, expect, it } from 'vitest';
import { needsPasskey } from '../../tenancy/index.js';
import { acrFor, rolesForSignIn } from './sign-in-methods.js';

describe('what a sign-in earns', () => {
  it.each([
    [['owner', 'developer'], ['pwd', 'otp'], ['developer']],
    [
      ['owner', 'developer'],
      ['pwd', 'hwk'],
      ['owner', 'developer'],
    ],
    [['finance'], ['pwd', 'otp'], []],
    [['security', 'viewer'], ['pwd', 'mfa'], ['viewer']],
    [
      ['developer', 'analyst'],
      ['pwd', 'otp'],
      ['developer', 'analyst'],
    ],
  ])('member roles %j signed in with %j carry %j', (roles, amr, expected) => {
    expect(rolesForSignIn(roles, amr)).toEqual(expected);
  });

  it('a passkey sign-in is phishing-resistant, a TOTP one is multi-factor', () => {
    expect(acrFor(['pwd', 'hwk'])).toBe('phr');
    expect(acrFor(['pwd', 'otp'])).toBe('mfa');
  });

  it('owner, admin, security and finance need a passkey; developer does not', () => {
    expect(['owner', 'admin', 'security', 'finance'].every((role) => needsPasskey([role]))).toBe(true);
    expect(needsPasskey(['developer', 'viewer', 'analyst'])).toBe(false);
  });
});
