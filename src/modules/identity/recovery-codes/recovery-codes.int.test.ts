import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIdentityFixture, type IdentityFixture } from '../../../../test/support/identity-fixture.js';
import { backendName } from '../../../../test/support/test-db.js';
import type { UserId } from '../../../lib/ids.js';
import type { Identity } from '../index.js';
import { canonicalRecoveryCode, hashRecoveryCode } from './recovery-code.js';

const meta = { clientIp: '192.0.2.30' };

describe(`identity recovery codes (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  async function enroll(identity: Identity, userId: UserId): Promise<string[]> {
    const { secret } = await identity.startTotpEnrollment(userId, 'recovery@example.com');
    const code = await generate({ secret, epoch: Math.floor(f.clock.now().getTime() / 1000) });
    const confirmed = await identity.confirmTotpEnrollment(userId, code, meta);
    if (!confirmed.ok) throw new Error('enrollment failed');
    return confirmed.recoveryCodes;
  }

  it('stores only SHA-256 hashes of the codes', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const codes = await enroll(identity, userId);
    const rows = await f.t.superuser('SELECT code_hash FROM user_recovery_codes WHERE user_id = $1', [userId]);
    expect(rows.map((row) => row.code_hash).sort()).toEqual(
      codes.map((code) => hashRecoveryCode(canonicalRecoveryCode(code) ?? '')).sort(),
    );
    const text = JSON.stringify(rows);
    for (const code of codes) expect(text).not.toContain(canonicalRecoveryCode(code));
  });

  it('each code works once, as typed in any case and spacing; a wrong one is refused', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const [first = '', second = ''] = await enroll(identity, userId);
    expect(await identity.useRecoveryCode(userId, first.toUpperCase().replaceAll('-', ' '), meta)).toEqual({
      ok: true,
    });
    expect(await identity.useRecoveryCode(userId, first, meta)).toEqual({ ok: false, reason: 'identity.mfa_invalid' });
    expect(await identity.useRecoveryCode(userId, 'aaaa-bbbb-cccc-dddd', meta)).toEqual({
      ok: false,
      reason: 'identity.mfa_invalid',
    });
    expect(await identity.useRecoveryCode(userId, second, meta)).toEqual({ ok: true });
    expect(await identity.factors(userId)).toMatchObject({ recoveryCodesLeft: 8 });
    const used = await f.events({ action: 'identity.mfa.recovery_code_used', userId });
    expect(used.map((event) => event.details.codes_left)).toEqual([9, 8]);
    const failed = await f.events({ action: 'identity.mfa.recovery_failed', userId });
    expect(failed.map((event) => [event.decision, event.reason_codes, event.details.failure])).toEqual([
      ['deny', ['identity.mfa_invalid'], 'unknown_or_used'],
      ['deny', ['identity.mfa_invalid'], 'unknown_or_used'],
    ]);
    expect(JSON.stringify(await f.events({ userId }))).not.toContain(canonicalRecoveryCode(first));
  });

  it("one user's code does not work for another user", async () => {
    const identity = f.open();
    const alice = await f.newUser();
    const bob = await f.newUser();
    const [aliceCode = ''] = await enroll(identity, alice);
    await enroll(identity, bob);
    expect((await identity.useRecoveryCode(bob, aliceCode, meta)).ok).toBe(false);
    expect((await identity.useRecoveryCode(alice, aliceCode, meta)).ok).toBe(true);
  });

  it('a code spent twice at once succeeds once (race)', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const [code = ''] = await enroll(identity, userId);
    const answers = await Promise.all([1, 2, 3].map(() => identity.useRecoveryCode(userId, code, meta)));
    expect(answers.filter((check) => check.ok)).toHaveLength(1);
    expect(await identity.factors(userId)).toMatchObject({ recoveryCodesLeft: 9 });
  });

  it('a new TOTP confirmation replaces the whole set: the old codes stop working', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const [old = ''] = await enroll(identity, userId);
    // The authenticator is removed (removal is not part of this module yet) and enrolled again.
    await f.t.superuser('DELETE FROM user_totp WHERE user_id = $1', [userId]);
    f.clock.advance(30_000);
    const fresh = await enroll(identity, userId);
    expect(fresh).not.toContain(old);
    expect(await identity.useRecoveryCode(userId, old, meta)).toEqual({ ok: false, reason: 'identity.mfa_invalid' });
    expect(await identity.factors(userId)).toMatchObject({ recoveryCodesLeft: 10 });
  });
});
