import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { newId } from '../../../lib/ids.js';
import { PostgresAdapter } from '../../oidc/storage/postgres-adapter.js';
import { advancePasskeyCounter } from './passkey-repo.js';

// Attack: the key of a passkey is extracted into a second authenticator. Both sign validly, but their signature
// counters diverge, so the one that falls behind presents a counter the server has already seen.
describe(`cloned passkey authenticator (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses a validly signed assertion whose counter did not increase, audits it as a clone and suspends the passkey', async () => {
    const userId = await f.newUser();
    const original = new SoftwareAuthenticator();
    const passkeyId = await f.register(userId, original);
    const clone = original.clone();
    expect((await f.signIn(original, { userId })).result.ok).toBe(true);
    expect((await f.signIn(original, { userId })).result.ok).toBe(true);
    expect(await f.storedCounter(passkeyId)).toBe(2);

    // The clone was copied at counter 0 and now signs counter 1: lower than the stored 2.
    expect((await f.signIn(clone, { userId })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
    expect(await f.storedCounter(passkeyId)).toBe(2);
    const [refused] = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(refused).toMatchObject({
      decision: 'deny',
      reason_codes: ['identity.passkey_counter_regressed'],
      resource: { type: 'User', id: userId },
      details: { ceremony: 'authentication', passkey_id: passkeyId, stored_counter: 2, presented_counter: 1 },
    });
    const [suspended] = (await f.events('identity.passkey.suspended')).filter((e) => e.resource?.id === userId);
    expect(suspended).toMatchObject({ decision: 'block', reason_codes: ['identity.passkey_counter_regressed'] });

    // Nothing tells which of the two is the user's: the one still ahead is refused as well, from now on.
    expect((await f.signIn(original, { userId })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_suspended',
    });
    expect((await f.passkeys.listPasskeys(userId))[0]?.suspendedAt).toBeInstanceOf(Date);
  });

  // Attack: the clone signs in first and keeps its session; the user's own authenticator is the one that falls behind.
  it("ends every sign-in of the user when the passkey is suspended, the clone's included", async () => {
    const userId = await f.newUser();
    const original = new SoftwareAuthenticator();
    await f.register(userId, original);
    const clone = original.clone();
    expect((await f.signIn(clone, { userId })).result.ok).toBe(true);
    // The sign-in the clone's assertion completed: its grant and refresh token.
    const grantId = `grant-${newId('req')}`;
    const adapter = (model: string) =>
      new PostgresAdapter(model, { db: f.t.db, clock: f.clock, findClient: async () => undefined });
    await adapter('Grant').upsert(grantId, { accountId: userId, clientId: 'cli_app' }, 3600);
    await adapter('RefreshToken').upsert(`rt-${grantId}`, { accountId: userId, clientId: 'cli_app', grantId }, 3600);
    const standing = async () =>
      (await f.t.superuser('SELECT id FROM oidc_payloads WHERE id = ANY($1)', [[grantId, `rt-${grantId}`]])).length;
    expect(await standing()).toBe(2);
    // The user's authenticator signs counter 1 too: not above the clone's 1.
    expect((await f.signIn(original, { userId })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
    expect(await standing()).toBe(0);
  });

  it('an equal counter, or one that falls back to zero after counting, is no increase either', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator({ initialCounter: 7 });
    const passkeyId = await f.register(userId, authenticator);
    expect(await f.storedCounter(passkeyId)).toBe(7);
    expect((await f.signIn(authenticator, { userId, answer: { counter: 0 } })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
    const other = await f.newUser();
    const second = new SoftwareAuthenticator({ initialCounter: 2 });
    await f.register(other, second);
    expect((await f.signIn(second, { userId: other, answer: { counter: 2 } })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
  });

  it('lets only one of two concurrent verifications of the same state through (conditional counter update)', async () => {
    const userId = await f.newUser();
    const original = new SoftwareAuthenticator();
    await f.register(userId, original);
    const clone = original.clone();
    // Both sign counter 1 from the stored 0, each for its own challenge, and are verified at the same time.
    const [a, b] = await Promise.all([f.signIn(original, { userId }), f.signIn(clone, { userId })]);
    const outcomes = [a.result, b.result].map((r) => (r.ok ? 'ok' : r.reason)).sort();
    expect(outcomes).toEqual(['identity.passkey_counter_regressed', 'ok']);
    const failed = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed).toHaveLength(1);
  });

  it('moves the counter only from the value read before verifying (the loser of a race updates nothing)', async () => {
    const userId = await f.newUser();
    const passkeyId = await f.register(userId, new SoftwareAuthenticator({ initialCounter: 3 }));
    const at = f.clock.now();
    // A verification that read 3 wins; one that also read 3 but commits second finds 4 and must not write 5 over it.
    expect(await f.t.db.withPlatform((sql) => advancePasskeyCounter(sql, passkeyId, 3, 4, at))).toBe(true);
    expect(await f.t.db.withPlatform((sql) => advancePasskeyCounter(sql, passkeyId, 3, 5, at))).toBe(false);
    expect(await f.storedCounter(passkeyId)).toBe(4);
  });

  it('does not take an unsigned assertion with a stale counter for a clone (it is merely invalid)', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    await f.register(userId, authenticator);
    expect((await f.signIn(authenticator, { userId })).result.ok).toBe(true);
    const ceremony = await f.passkeys.passkeyAuthenticationOptions(userId, RP);
    const stale = authenticator.getAssertion(ceremony.options, { origin: RP.origin, counter: 1 });
    const forged = { ...stale, response: { ...stale.response, signature: 'MEUCIQD' + 'A'.repeat(60) } };
    expect(
      await f.passkeys.verifyPasskeyAuthentication(forged, { expectedChallenge: ceremony.challenge, rp: RP, userId }),
    ).toEqual({ ok: false, reason: 'identity.passkey_invalid' });
  });
});
