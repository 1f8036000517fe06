import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIdentityFixture, type IdentityFixture } from '../../../../test/support/identity-fixture.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId } from '../../../lib/ids.js';

const meta = { clientIp: '192.0.2.20', requestId: 'req_totp' };

describe(`identity TOTP enrollment and check (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());
  const codeAt = (secret: string, date = f.clock.now()) =>
    generate({ secret, epoch: Math.floor(date.getTime() / 1000) });

  it('starts an enrollment: the secret is stored encrypted and the authenticator counts only once confirmed', async () => {
    const identity = f.open({ totpIssuer: 'Acme Bulwark' });
    const userId = await f.newUser();
    const { secret, otpauthUri } = await identity.startTotpEnrollment(userId, 'frank@example.com');
    const uri = new URL(otpauthUri);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Acme Bulwark');
    expect(decodeURIComponent(uri.pathname)).toContain('frank@example.com');
    const [row] = await f.t.superuser('SELECT secret_ciphertext, confirmed_at FROM user_totp WHERE user_id = $1', [
      userId,
    ]);
    expect(String(row?.secret_ciphertext)).toMatch(/^bwf1\./);
    expect(String(row?.secret_ciphertext)).not.toContain(secret);
    expect(row?.confirmed_at).toBeNull();
    expect(await identity.factors(userId)).toMatchObject({ totp: false, recoveryCodesLeft: 0 });
    // A pending authenticator signs nobody in.
    expect(await identity.checkTotp(userId, await codeAt(secret), meta)).toEqual({
      ok: false,
      reason: 'identity.mfa_invalid',
    });
  });

  it('confirms with a right code, returns 10 recovery codes, and audits the enrollment', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'gina@example.com');
    expect(
      await identity.confirmTotpEnrollment(userId, '000000' === (await codeAt(secret)) ? '111111' : '000000', meta),
    ).toEqual({
      ok: false,
      reason: 'identity.mfa_invalid',
    });
    const confirmed = await identity.confirmTotpEnrollment(userId, await codeAt(secret), meta);
    expect(confirmed.ok).toBe(true);
    if (!confirmed.ok) return;
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(await identity.factors(userId)).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
    expect((await f.events({ userId })).map((event) => [event.action, event.decision])).toEqual([
      ['identity.mfa.totp_enrollment_started', 'info'],
      ['identity.mfa.totp_failed', 'deny'],
      ['identity.mfa.totp_enrolled', 'allow'],
    ]);
    // Confirming again is refused (it would hand out a second set of recovery codes).
    f.clock.advance(30_000);
    expect((await identity.confirmTotpEnrollment(userId, await codeAt(secret), meta)).ok).toBe(false);
    expect(await identity.factors(userId)).toMatchObject({ recoveryCodesLeft: 10 });
  });

  it('a restart replaces a pending secret: a code of the old one no longer confirms', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const first = await identity.startTotpEnrollment(userId, 'hank@example.com');
    const second = await identity.startTotpEnrollment(userId, 'hank@example.com');
    expect(second.secret).not.toBe(first.secret);
    expect((await identity.confirmTotpEnrollment(userId, await codeAt(first.secret), meta)).ok).toBe(false);
    expect((await identity.confirmTotpEnrollment(userId, await codeAt(second.secret), meta)).ok).toBe(true);
  });

  it('never replaces a confirmed authenticator (identity.mfa_already_enrolled)', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'ivy@example.com');
    await identity.confirmTotpEnrollment(userId, await codeAt(secret), meta);
    await expect(identity.startTotpEnrollment(userId, 'ivy@example.com')).rejects.toSatisfy((error: unknown) =>
      isAppError(error, 'identity.mfa_already_enrolled'),
    );
    f.clock.advance(30_000);
    expect(await identity.checkTotp(userId, await codeAt(secret), meta)).toEqual({ ok: true });
  });

  it('accepts codes one step either side of now, not two', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'jack@example.com');
    await identity.confirmTotpEnrollment(userId, await codeAt(secret), meta);
    f.clock.advance(120_000);
    const now = f.clock.now().getTime();
    expect((await identity.checkTotp(userId, await codeAt(secret, new Date(now - 60_000)), meta)).ok).toBe(false);
    expect((await identity.checkTotp(userId, await codeAt(secret, new Date(now - 30_000)), meta)).ok).toBe(true);
    expect((await identity.checkTotp(userId, await codeAt(secret, new Date(now + 30_000)), meta)).ok).toBe(true);
    expect((await identity.checkTotp(userId, await codeAt(secret, new Date(now + 60_000)), meta)).ok).toBe(false);
    const [success] = await f.events({ action: 'identity.mfa.totp_succeeded', userId });
    expect(success).toMatchObject({ actor: { type: 'user', id: userId }, details: { factor: 'totp', step_drift: -1 } });
  });

  it('a ciphertext moved to another user does not decrypt there (bound to user_totp/secret_ciphertext/<user>)', async () => {
    const identity = f.open();
    const victim = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(victim, 'kim@example.com');
    await identity.confirmTotpEnrollment(victim, await codeAt(secret), meta);
    const attacker = await f.newUser();
    await f.t.superuser(
      `INSERT INTO user_totp (user_id, secret_ciphertext, created_at, confirmed_at)
       SELECT $2, secret_ciphertext, created_at, confirmed_at FROM user_totp WHERE user_id = $1`,
      [victim, attacker],
    );
    f.clock.advance(30_000);
    await expect(identity.checkTotp(attacker, await codeAt(secret), meta)).rejects.toSatisfy((error: unknown) =>
      isAppError(error, 'vault.decrypt_failed'),
    );
  });

  it('refuses an enrollment for a user that does not exist', async () => {
    await expect(f.open().startTotpEnrollment(newId('usr', 0), 'nobody@example.com')).rejects.toSatisfy(
      (error: unknown) => isAppError(error, 'http.not_found'),
    );
  });
});
