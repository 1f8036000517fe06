import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingHasher, openIdentityFixture, type IdentityFixture } from '../../../test/support/identity-fixture.js';
import { backendName } from '../../../test/support/test-db.js';
import { argon2idHasher, DUMMY_PASSWORD_HASH } from './passwords/password-hasher.js';

// Attack: tell registered e-mails from unregistered ones by the sign-in answer, its audit trail or its work.
const meta = { clientIp: '203.0.113.9' };
const PASSWORD = 'v9#Lq2!mZr8@wX';
const params = (encoded: string) => encoded.split('$').slice(1, 4).join('$');

describe(`user enumeration through the password check (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  it('the dummy hash costs what a real hash costs (same algorithm, version, memory, passes, lanes)', async () => {
    expect(params(DUMMY_PASSWORD_HASH)).toBe(params(await argon2idHasher.hash(PASSWORD)));
    expect(params(DUMMY_PASSWORD_HASH)).toBe('argon2id$v=19$m=19456,t=2,p=1');
  });

  it('unknown e-mail, account without password and wrong password: one answer, one argon2id verification each', async () => {
    const hasher = countingHasher();
    const identity = f.open({ hasher });
    const withPassword = 'known@example.com';
    const userId = await f.newUser(withPassword);
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId });
    await f.newUser('passwordless@example.com');
    const [stored] = await f.t.superuser('SELECT hash FROM user_passwords WHERE user_id = $1', [userId]);

    const answers = [
      await identity.checkPassword('nobody@example.com', PASSWORD, meta),
      await identity.checkPassword('passwordless@example.com', PASSWORD, meta),
      await identity.checkPassword(withPassword, 'not-the-password-1', meta),
    ];
    expect(answers).toEqual(Array(3).fill({ ok: false, reason: 'identity.invalid_credentials' }));
    // SECURITY: the paths without a stored hash ran the dummy verification, the wrong password its real hash: the same
    // work at the same parameters, so timing does not separate them either.
    expect(hasher.verified).toEqual([DUMMY_PASSWORD_HASH, DUMMY_PASSWORD_HASH, stored?.hash]);
  });

  it('an overlong password is verified (against the dummy) like any other', async () => {
    const hasher = countingHasher();
    const identity = f.open({ hasher });
    expect(await identity.checkPassword('nobody@example.com', 'x'.repeat(10_000), meta)).toEqual({
      ok: false,
      reason: 'identity.invalid_credentials',
    });
    expect(hasher.verified).toEqual([DUMMY_PASSWORD_HASH]);
  });

  it('the password of the dummy hash opens no account', async () => {
    // Whatever the dummy's password is, an account without a stored hash cannot sign in: proved with a hasher that
    // says yes to everything.
    const identity = f.open({ hasher: { hash: argon2idHasher.hash, verify: async () => true } });
    await f.newUser('passwordless-2@example.com');
    expect((await identity.checkPassword('passwordless-2@example.com', 'anything-at-all', meta)).ok).toBe(false);
    expect((await identity.checkPassword('nobody-2@example.com', 'anything-at-all', meta)).ok).toBe(false);
  });

  it('the throttle treats unknown and known e-mails alike: both are blocked after the same number of failures', async () => {
    const identity = f.open({
      limits: { account: { failures: 2, windowSeconds: 60, blockSeconds: 60, maxBlockSeconds: 60 } },
    });
    const known = 'known-throttle@example.com';
    const userId = await f.newUser(known);
    await identity.setPassword(userId, PASSWORD, { type: 'user', id: userId });
    const run = async (email: string) => {
      const reasons: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const check = await identity.checkPassword(email, 'not-the-password-1', meta);
        reasons.push(check.ok ? 'ok' : check.reason);
      }
      return reasons;
    };
    expect(await run('unknown-throttle@example.com')).toEqual(await run(known));
  });

  it('the audit trail of an unknown e-mail names no user and holds only the e-mail hash', async () => {
    const identity = f.open();
    await identity.checkPassword('Ghost.User@example.com', PASSWORD, { ...meta, requestId: 'req_enum1' });
    const event = (await f.events({ action: 'identity.login.password_failed' })).find(
      (record) => record.request_id === 'req_enum1',
    );
    expect(event).toMatchObject({
      actor: { type: 'anonymous', id: null },
      resource: { type: 'User', id: null },
      decision: 'deny',
      reason_codes: ['identity.invalid_credentials'],
      details: { factor: 'pwd', account_known: false },
    });
    expect(event?.details.email_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event).toLowerCase()).not.toContain('ghost.user');
  });
});
