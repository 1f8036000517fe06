import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { newTotpSecret, timeStepAt, totpUri, verifyTotpCode } from './totp-code.js';

const NOW = new Date('2026-03-10T12:00:10Z');
const at = (secret: string, date: Date) => generate({ secret, epoch: Math.floor(date.getTime() / 1000) });
const shift = (steps: number) => new Date(NOW.getTime() + steps * 30_000);

describe('TOTP codes', () => {
  it('secrets carry 160 bits in base32', () => {
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(newTotpSecret());
  });

  it('accept the code of now and of one step either side, returning its step', async () => {
    const secret = newTotpSecret();
    for (const steps of [-1, 0, 1])
      expect(await verifyTotpCode(secret, await at(secret, shift(steps)), NOW)).toBe(timeStepAt(NOW) + steps);
  });

  it('refuse codes two steps away, of another secret, or not six digits', async () => {
    const secret = newTotpSecret();
    const now = await at(secret, NOW);
    expect(await verifyTotpCode(secret, await at(secret, shift(-2)), NOW)).toBeUndefined();
    expect(await verifyTotpCode(secret, await at(secret, shift(2)), NOW)).toBeUndefined();
    expect(await verifyTotpCode(newTotpSecret(), now, NOW)).toBeUndefined();
    expect(await verifyTotpCode(secret, ` ${now}`, NOW)).toBeUndefined();
    expect(await verifyTotpCode(secret, `${now}0`, NOW)).toBeUndefined();
  });

  it('publish SHA-1, 6 digits and 30 s in the otpauth URI', () => {
    const uri = new URL(totpUri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'Bulwark', 'alice@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.searchParams.get('issuer')).toBe('Bulwark');
    expect(uri.searchParams.get('algorithm') ?? 'SHA1').toBe('SHA1');
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
  });
});
