import { describe, expect, it } from 'vitest';
import type { UserId } from '../../../lib/ids.js';
import { counterRegressed } from './authenticate-passkey.js';
import { userHandleOf } from './passkey.js';
import { knownTransports, parseAuthenticationResponse, parseRegistrationResponse } from './passkey-schema.js';

const credentialId = 'A'.repeat(43);
const assertion = {
  id: credentialId,
  rawId: credentialId,
  type: 'public-key',
  response: { clientDataJSON: 'eyJ0', authenticatorData: 'B'.repeat(50), signature: 'MEUC' },
  clientExtensionResults: { appid: true },
};

describe('signature counter', () => {
  it.each([
    [0, 0, false],
    [0, 1, false],
    [4, 5, false],
    [5, 5, true],
    [5, 4, true],
    [5, 0, true],
    [0xffff_fffe, 0xffff_ffff, false],
  ])('stored %i, presented %i: regressed %s', (stored, presented, regressed) => {
    expect(counterRegressed(stored, presented)).toBe(regressed);
  });
});

describe('passkey responses at the boundary', () => {
  it('accepts a well-formed assertion and drops the extension outputs Bulwark never asked for', () => {
    expect(parseAuthenticationResponse(assertion)).toEqual({ ...assertion, clientExtensionResults: {} });
  });

  it.each([
    ['no credential id', { ...assertion, id: undefined }],
    ['a short credential id', { ...assertion, id: 'AAAA', rawId: 'AAAA' }],
    ['an oversized credential id', { ...assertion, id: 'A'.repeat(1401), rawId: 'A'.repeat(1401) }],
    ['padding in base64url', { ...assertion, response: { ...assertion.response, signature: 'MEUC==' } }],
    ['another credential type', { ...assertion, type: 'password' }],
    ['a huge clientDataJSON', { ...assertion, response: { ...assertion.response, clientDataJSON: 'A'.repeat(9000) } }],
    ['a string', 'not a credential'],
  ])('refuses %s', (_label, input) => {
    expect(parseAuthenticationResponse(input)).toBeUndefined();
  });

  it('refuses a registration response without an attestation object', () => {
    expect(
      parseRegistrationResponse({ ...assertion, response: { clientDataJSON: 'eyJ0' }, clientExtensionResults: {} }),
    ).toBeUndefined();
  });

  it('keeps known transports once each and drops the rest', () => {
    expect(knownTransports(['usb', 'internal', 'usb', 'telepathy'])).toEqual(['internal', 'usb']);
    expect(knownTransports(undefined)).toEqual([]);
  });

  it('derives a user handle from the user id alone: stable, distinct, 32 bytes', () => {
    const a = userHandleOf('usr_00000000000000000000000001' as UserId);
    expect(a).toHaveLength(32);
    expect(userHandleOf('usr_00000000000000000000000001' as UserId)).toEqual(a);
    expect(userHandleOf('usr_00000000000000000000000002' as UserId)).not.toEqual(a);
  });
});
