import { describe, expect, it } from 'vitest';
import { newRecoveryCodeSet } from './new-recovery-code-set.js';
import { canonicalRecoveryCode, formatRecoveryCode, hashRecoveryCode, newRecoveryCode } from './recovery-code.js';

describe('recovery codes', () => {
  it('carry 80 bits: 16 lower-case base32 characters, shown as four groups of four', () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[a-z2-7]{16}$/);
    expect(formatRecoveryCode(code)).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
  });

  it('use the whole alphabet (every 5-bit value occurs across many codes)', () => {
    const seen = new Set(Array.from({ length: 200 }, newRecoveryCode).join(''));
    expect(seen.size).toBe(32);
  });

  it('read back as typed: case, spaces and hyphens do not matter; anything else is refused', () => {
    expect(canonicalRecoveryCode('ABCD-efgh 2345-67ab')).toBe('abcdefgh234567ab');
    expect(canonicalRecoveryCode('abcd-efgh-2345-67a')).toBeUndefined();
    expect(canonicalRecoveryCode('abcd-efgh-2345-67a1')).toBeUndefined();
    expect(canonicalRecoveryCode('abcd-efgh-2345-67ab-')).toBe('abcdefgh234567ab');
    expect(canonicalRecoveryCode(`${'-'.repeat(60)}abcdefgh234567ab`)).toBeUndefined();
  });

  it('are stored as the SHA-256 hex of the canonical form', () => {
    expect(hashRecoveryCode('abcdefgh234567ab')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode('abcdefgh234567ab')).not.toBe(hashRecoveryCode('abcdefgh234567ac'));
  });

  it('come in sets of 10 distinct codes whose hashes match their canonical forms', () => {
    const set = newRecoveryCodeSet();
    expect(set.codes).toHaveLength(10);
    expect(new Set(set.codes).size).toBe(10);
    expect(set.hashes).toEqual(set.codes.map((code) => hashRecoveryCode(canonicalRecoveryCode(code) ?? '')));
  });
});
