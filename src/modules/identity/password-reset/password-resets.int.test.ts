import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';
import {
  openAccountLinkFixture,
  PUBLIC_URL,
  type AccountLinkFixture,
} from '../../../../test/support/account-link-fixture.js';

const meta = { clientIp: '198.51.100.30', userAgent: 'vitest', requestId: 'req_resets' };
const OLD_PASSWORD = 'v9#Lq2!mZr8@wX';
const NEW_PASSWORD = 'Another long passphrase 4 me!';

describe(`password reset (${backendName})`, () => {
  let f: AccountLinkFixture;
  beforeAll(async () => {
    f = await openAccountLinkFixture();
  });
  afterAll(async () => f.close());

  const userWithPassword = async (email: string) => {
    const userId = await f.newUser(email);
    await f.open().setPassword(userId, OLD_PASSWORD, { type: 'system', id: null });
    return userId;
  };

  it("e-mails a 1-hour link to the account's own address, and audits the request", async () => {
    const userId = await userWithPassword('Dana.Reset@Example.com');
    expect(await f.links().passwordResets.request('  dana.reset@example.COM ', meta)).toEqual({ ok: true });
    const [mail] = await f.outbox('dana.reset@example.com');
    expect(mail).toMatchObject({ purpose: 'password_reset', to: 'Dana.Reset@Example.com' });
    expect(mail?.text).toMatch(new RegExp(`${PUBLIC_URL}/password-reset/[A-Za-z0-9_-]{43}\\n`));
    expect(mail?.text).toContain('60 minutes');
    const [event] = await f.events({ action: 'identity.password_reset.requested', userId });
    expect(event).toMatchObject({ decision: 'info', details: { account_known: true, message_id: mail?.id } });
    expect(JSON.stringify(event).toLowerCase()).not.toContain('dana');
  });

  it('sets the new password from the link, once; the old one stops working', async () => {
    const email = 'erin.reset@example.com';
    const userId = await userWithPassword(email);
    const { passwordResets } = f.links();
    await passwordResets.request(email, meta);
    const token = await f.tokenFor(email, 'password-reset');
    expect(await passwordResets.show(token)).toEqual({ email });
    expect(await passwordResets.complete(token, NEW_PASSWORD, meta)).toEqual({ ok: true, email });
    const identity = f.open();
    expect(await identity.checkPassword(email, NEW_PASSWORD, meta)).toEqual({ ok: true, userId });
    expect((await identity.checkPassword(email, OLD_PASSWORD, meta)).ok).toBe(false);
    expect(await passwordResets.show(token)).toBeUndefined();
    expect(await f.events({ action: 'identity.password_reset.completed', userId })).toHaveLength(1);
    const [user] = await f.t.superuser('SELECT email_verified_at FROM users WHERE id = $1', [userId]);
    expect(user?.email_verified_at).toBeInstanceOf(Date);
  });

  it('does not bypass the second factor: the TOTP authenticator stays enrolled and is still asked', async () => {
    const email = 'mfa.reset@example.com';
    const userId = await userWithPassword(email);
    const identity = f.open();
    const { secret } = await identity.startTotpEnrollment(userId, email);
    const code = await generate({ secret, epoch: Math.floor(f.clock.now().getTime() / 1000) });
    expect((await identity.confirmTotpEnrollment(userId, code, meta)).ok).toBe(true);
    const before = await identity.factors(userId);
    const { passwordResets } = f.links();
    await passwordResets.request(email, meta);
    expect((await passwordResets.complete(await f.tokenFor(email, 'password-reset'), NEW_PASSWORD, meta)).ok).toBe(
      true,
    );
    expect(await identity.factors(userId)).toEqual(before);
    expect(before).toMatchObject({ password: true, totp: true });
  });

  it('a password the policy refuses changes nothing; the link still works', async () => {
    const email = 'policy.reset@example.com';
    await userWithPassword(email);
    const { passwordResets } = f.links();
    await passwordResets.request(email, meta);
    const token = await f.tokenFor(email, 'password-reset');
    const refused = await passwordResets.complete(token, 'policyreset1234', meta).catch((error: unknown) => error);
    expect(isAppError(refused, 'identity.password_rejected')).toBe(true);
    expect(await passwordResets.show(token)).toEqual({ email });
  });

  it('a link expires after one hour; a new request sends a new link that works', async () => {
    const email = 'slow.reset@example.com';
    await userWithPassword(email);
    const { passwordResets } = f.links();
    await passwordResets.request(email, meta);
    const first = await f.tokenFor(email, 'password-reset');
    f.clock.advance(60 * 60 * 1000);
    expect(await passwordResets.complete(first, NEW_PASSWORD, meta)).toEqual({
      ok: false,
      reason: 'identity.link_invalid',
    });
    await passwordResets.request(email, meta);
    const second = await f.tokenFor(email, 'password-reset');
    expect((await passwordResets.complete(second, NEW_PASSWORD, meta)).ok).toBe(true);
  });

  it('sends nothing for a disabled account', async () => {
    const email = 'disabled.reset@example.com';
    const userId = await userWithPassword(email);
    await f.t.superuser("UPDATE users SET status = 'disabled' WHERE id = $1", [userId]);
    expect(await f.links().passwordResets.request(email, meta)).toEqual({ ok: true });
    expect(await f.outbox(email)).toHaveLength(0);
  });
});
