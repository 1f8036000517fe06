import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIdentityFixture, type IdentityFixture } from '../../../../test/support/identity-fixture.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';
import { newId } from '../../../lib/ids.js';
import { AppError } from '../../../lib/errors/index.js';
import type { AuditLog } from '../../audit/index.js';

const meta = { clientIp: '198.51.100.7', userAgent: 'vitest', requestId: 'req_passwords' };
const PASSWORD = 'v9#Lq2!mZr8@wX';

describe(`identity passwords (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  it('stores argon2id at OWASP parameters, never the password', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId }, meta);
    const [row] = await f.t.superuser('SELECT hash FROM user_passwords WHERE user_id = $1', [userId]);
    expect(String(row?.hash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(String(row?.hash)).not.toContain(PASSWORD);
  });

  it('accepts the right password, case-insensitively on the e-mail, and audits it in the platform chain', async () => {
    const identity = f.open();
    const userId = await f.newUser('Carol.Jones@Example.com');
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId }, meta);
    expect(await identity.checkPassword('carol.jones@example.COM', PASSWORD, meta)).toEqual({ ok: true, userId });
    const [event] = await f.events({ action: 'identity.login.password_succeeded', userId });
    expect(event).toMatchObject({
      actor: { type: 'user', id: userId },
      resource: { type: 'User', id: userId },
      decision: 'allow',
      client_ip: meta.clientIp,
      user_agent: meta.userAgent,
      request_id: meta.requestId,
      details: { factor: 'pwd', account_known: true },
    });
    // SECURITY: the record carries neither the password nor the e-mail in clear.
    const text = JSON.stringify(await f.events({ userId }));
    expect(text).not.toContain(PASSWORD);
    expect(text.toLowerCase()).not.toContain('carol.jones');
  });

  it('refuses a wrong password with identity.invalid_credentials and a deny event', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId }, meta);
    const [email] = await f.t.superuser('SELECT email FROM users WHERE id = $1', [userId]);
    expect(await identity.checkPassword(String(email?.email), 'wrong-password-123', meta)).toEqual({
      ok: false,
      reason: 'identity.invalid_credentials',
    });
    const [event] = await f.events({ action: 'identity.login.password_failed', userId });
    expect(event).toMatchObject({ decision: 'deny', reason_codes: ['identity.invalid_credentials'] });
    expect(JSON.stringify(event)).not.toContain('wrong-password-123');
  });

  it('refuses the right password of a disabled account with the same answer', async () => {
    const identity = f.open();
    const email = 'disabled@example.com';
    const userId = await f.newUser(email);
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId }, meta);
    await f.t.superuser("UPDATE users SET status = 'disabled' WHERE id = $1", [userId]);
    expect(await identity.checkPassword(email, PASSWORD, meta)).toEqual({
      ok: false,
      reason: 'identity.invalid_credentials',
    });
  });

  it('applies the policy on set (identity.password_rejected names the rules) and stores nothing', async () => {
    const identity = f.open();
    const userId = await f.newUser('dave.miller@example.com');
    let caught: unknown;
    try {
      await identity.setPassword(userId, 'davemiller12', { type: 'user', id: userId }, meta);
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught, 'identity.password_rejected')).toBe(true);
    expect((caught as { details?: { reasons?: string[] } }).details?.reasons).toContain('contains_email');
    expect(await f.t.superuser('SELECT 1 FROM user_passwords WHERE user_id = $1', [userId])).toHaveLength(0);
    expect(await identity.factors(userId)).toMatchObject({ password: false });
  });

  it('replaces the password: the old one stops working; each change is audited', async () => {
    const identity = f.open();
    const email = 'erin@example.com';
    const userId = await f.newUser(email);
    const admin = { type: 'user' as const, id: newId('usr', 0) };
    await identity.setPassword(userId, PASSWORD, admin, meta);
    await identity.setPassword(userId, 'correct horse battery staple', admin, meta);
    expect((await identity.checkPassword(email, PASSWORD, meta)).ok).toBe(false);
    expect(await identity.checkPassword(email, 'correct horse battery staple', meta)).toEqual({ ok: true, userId });
    const changes = await f.events({ action: 'identity.password.changed', userId });
    expect(changes.map((event) => [event.actor.id, event.details.first_password])).toEqual([
      [admin.id, true],
      [admin.id, false],
    ]);
  });

  it('commits the change only with its audit event: a failed audit write leaves no password', async () => {
    const failingAudit: AuditLog = Object.assign(Object.create(f.audit) as AuditLog, {
      append: () => Promise.reject(new AppError('audit.write_failed')),
    });
    const identity = f.open({ audit: failingAudit });
    const userId = await f.newUser();
    await expect(identity.setPassword(userId, PASSWORD, { type: 'user', id: userId })).rejects.toSatisfy(
      (error: unknown) => isAppError(error, 'audit.write_failed'),
    );
    expect(await f.t.superuser('SELECT 1 FROM user_passwords WHERE user_id = $1', [userId])).toHaveLength(0);
  });

  it('refuses a password for a user that does not exist', async () => {
    const identity = f.open();
    await expect(identity.setPassword(newId('usr', 0), PASSWORD, { type: 'system', id: 'test' })).rejects.toSatisfy(
      (error: unknown) => isAppError(error, 'http.not_found'),
    );
  });

  it('reports the factors a user has', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    expect(await identity.factors(userId)).toEqual({ password: false, totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId });
    expect(await identity.factors(userId)).toEqual({ password: true, totp: false, passkeys: 0, recoveryCodesLeft: 0 });
  });
});
