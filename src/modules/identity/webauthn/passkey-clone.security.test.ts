import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { advancePasskeyCounter } from './passkey-repo.js';

// Attack: the key of a passkey is extracted into a second authenticator. Both sign validly, but their signature
// counters diverge, so the one that falls behind presents a counter the server has already seen.
describe(`cloned passkey authenticator (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses a validly signed assertion whose counter did not increase, and audits it as a clone', async () => {
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
    // Equal is not an increase either.
    expect((await f.signIn(original, { userId, answer: { counter: 2 } })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
    expect(await f.storedCounter(passkeyId)).toBe(2);

    const refused = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({
      decision: 'deny',
      reason_codes: ['identity.passkey_counter_regressed'],
      resource: { type: 'User', id: userId },
      details: { ceremony: 'authentication', passkey_id: passkeyId, stored_counter: 2, presented_counter: 1 },
    });
    expect(refused[1]?.details).toMatchObject({ stored_counter: 2, presented_counter: 2 });
    // The original, still ahead, goes on signing in.
    expect((await f.signIn(original, { userId })).result).toEqual({ ok: true, userId, passkeyId });
  });

  it('refuses a counter that falls back to zero after the authenticator has counted', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator({ initialCounter: 7 });
    const passkeyId = await f.register(userId, authenticator);
    expect(await f.storedCounter(passkeyId)).toBe(7);
    expect((await f.signIn(authenticator, { userId, answer: { counter: 0 } })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
    expect((await f.signIn(authenticator, { userId })).result.ok).toBe(true);
    expect(await f.storedCounter(passkeyId)).toBe(8);
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
