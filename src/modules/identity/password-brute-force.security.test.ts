import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingHasher, openIdentityFixture, type IdentityFixture } from '../../../test/support/identity-fixture.js';
import { backendName } from '../../../test/support/test-db.js';
import type { UserId } from '../../lib/ids.js';
import type { Identity, PasswordCheck } from './index.js';

// Attack: guess a password (or a second factor) by trying many, from one source or many, one at a time or in a burst.
const PASSWORD = 'v9#Lq2!mZr8@wX';
const WRONG = 'not-the-password-1';
const ip = (clientIp: string) => ({ clientIp });
const reason = (check: PasswordCheck) => (check.ok ? 'ok' : check.reason);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`password brute force (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  async function userWithPassword(identity: Identity, email: string): Promise<UserId> {
    const userId = await f.newUser(email);
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId });
    return userId;
  }

  it('blocks an account after 5 failures by default; the right password is then refused without being verified', async () => {
    const hasher = countingHasher();
    const identity = f.open({ hasher });
    const email = 'victim@example.com';
    const userId = await userWithPassword(identity, email);
    for (let i = 0; i < 5; i += 1)
      expect(reason(await identity.checkPassword(email, WRONG, ip(`192.0.2.${i}`)))).toBe(
        'identity.invalid_credentials',
      );
    const verifiedBefore = hasher.verified.length;
    const blocked = await identity.checkPassword(email, PASSWORD, ip('192.0.2.99'));
    expect(blocked).toEqual({ ok: false, reason: 'identity.login_throttled', retryAfterSeconds: 60 });
    // SECURITY: nothing was verified while blocked, so the block answers the same for right and wrong passwords.
    expect(hasher.verified.length).toBe(verifiedBefore);
    const [event] = await f.events({ action: 'identity.login.throttled', userId });
    expect(event).toMatchObject({
      decision: 'deny',
      reason_codes: ['identity.login_throttled'],
      actor: { type: 'user', id: userId },
      details: { factor: 'pwd', scope: 'account', account_known: true, retry_after_seconds: 60 },
    });
  });

  it('counts every spelling of an e-mail as one account', async () => {
    const identity = f.open();
    const email = 'spelling@example.com';
    await userWithPassword(identity, email);
    for (const spelling of [
      'spelling@example.com',
      'SPELLING@example.com',
      'Spelling@Example.com',
      'spelling@EXAMPLE.COM',
      'sPelling@example.com',
    ])
      await identity.checkPassword(spelling, WRONG, ip('192.0.2.1'));
    expect(reason(await identity.checkPassword(email, PASSWORD, ip('192.0.2.1')))).toBe('identity.login_throttled');
  });

  it('a burst of concurrent guesses gets no more verifications than the allowance', async () => {
    const hasher = countingHasher();
    const identity = f.open({ hasher });
    const email = 'burst@example.com';
    await userWithPassword(identity, email);
    const before = hasher.verified.length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => identity.checkPassword(email, `${WRONG}-${i}`, ip('192.0.2.50'))),
    );
    expect(hasher.verified.length - before).toBe(5);
    expect(answers.filter((check) => reason(check) === 'identity.login_throttled')).toHaveLength(15);
  });

  it('successful sign-ins do not use up the allowance', async () => {
    const identity = f.open();
    const email = 'regular@example.com';
    const userId = await userWithPassword(identity, email);
    for (let i = 0; i < 12; i += 1)
      expect(await identity.checkPassword(email, PASSWORD, ip('192.0.2.60'))).toEqual({ ok: true, userId });
  });

  it('blocks a source that sprays many accounts; another source and the /64 rule behave as they should', async () => {
    const identity = f.open({
      limits: { source: { failures: 3, windowSeconds: 60, blockSeconds: 60, maxBlockSeconds: 60 } },
    });
    const email = 'spray-target@example.com';
    await userWithPassword(identity, email);
    for (let i = 0; i < 3; i += 1) await identity.checkPassword(`spray-${i}@example.com`, WRONG, ip('2001:db8:1:2::1'));
    // Another address of the same /64 is the same source.
    const blocked = await identity.checkPassword(email, PASSWORD, ip('2001:db8:1:2::ffff'));
    expect(blocked).toMatchObject({ ok: false, reason: 'identity.login_throttled' });
    const [event] = (await f.events({ action: 'identity.login.throttled' })).filter(
      (record) => record.client_ip === '2001:db8:1:2::ffff',
    );
    expect(event?.details).toMatchObject({ scope: 'source' });
    expect((await identity.checkPassword(email, PASSWORD, ip('2001:db8:1:3::1'))).ok).toBe(true);
  });

  it('backs off exponentially: each further block of the same account lasts twice as long', async () => {
    const identity = f.open({
      limits: { account: { failures: 1, windowSeconds: 60, blockSeconds: 1, maxBlockSeconds: 3600 } },
    });
    const email = 'backoff@example.com';
    await userWithPassword(identity, email);
    await identity.checkPassword(email, WRONG, ip('192.0.2.70'));
    expect(await identity.checkPassword(email, WRONG, ip('192.0.2.70'))).toMatchObject({ retryAfterSeconds: 1 });
    await sleep(1100);
    await identity.checkPassword(email, WRONG, ip('192.0.2.70'));
    expect(await identity.checkPassword(email, PASSWORD, ip('192.0.2.70'))).toMatchObject({
      reason: 'identity.login_throttled',
      retryAfterSeconds: 2,
    });
  });
});

describe(`second-factor brute force (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  it('blocks TOTP and recovery-code guessing per user together; the right code is then refused', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'guess@example.com');
    const codeNow = () => generate({ secret, epoch: Math.floor(f.clock.now().getTime() / 1000) });
    const confirmed = await identity.confirmTotpEnrollment(userId, await codeNow(), ip('192.0.2.80'));
    if (!confirmed.ok) throw new Error('enrollment failed');
    f.clock.advance(30_000);
    const right = await codeNow();
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i += 1)
      expect(await identity.checkTotp(userId, wrong, ip('192.0.2.81'))).toEqual({
        ok: false,
        reason: 'identity.mfa_invalid',
      });
    for (let i = 0; i < 2; i += 1)
      expect((await identity.useRecoveryCode(userId, 'aaaa-bbbb-cccc-dddd', ip('192.0.2.82'))).ok).toBe(false);
    expect(await identity.checkTotp(userId, right, ip('192.0.2.83'))).toEqual({
      ok: false,
      reason: 'identity.login_throttled',
      retryAfterSeconds: 60,
    });
    const recoveryCode = confirmed.recoveryCodes[0] ?? '';
    expect(await identity.useRecoveryCode(userId, recoveryCode, ip('192.0.2.83'))).toMatchObject({
      reason: 'identity.login_throttled',
    });
    // The refused right answers were not spent.
    expect(await identity.factors(userId)).toMatchObject({ recoveryCodesLeft: 10 });
    const throttled = await f.events({ action: 'identity.login.throttled', userId });
    expect(throttled.map((event) => event.details.factor)).toEqual(['totp', 'recovery_code']);
  });

  it('a burst of concurrent TOTP guesses is checked no more often than the allowance', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'burst-totp@example.com');
    await identity.confirmTotpEnrollment(
      userId,
      await generate({ secret, epoch: Math.floor(f.clock.now().getTime() / 1000) }),
      ip('192.0.2.90'),
    );
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => identity.checkTotp(userId, String(100000 + i), ip('192.0.2.91'))),
    );
    const reasons = answers.map((check) => (check.ok ? 'ok' : check.reason));
    expect(reasons.filter((r) => r === 'identity.login_throttled')).toHaveLength(25);
    expect((await f.events({ action: 'identity.mfa.totp_failed', userId })).length).toBeLessThanOrEqual(5);
  });
});
