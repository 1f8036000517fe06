import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';

// Attack: a captured assertion (logged, or taken off the wire by a proxy) is presented again.
describe(`passkey assertion replay (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses the same signed assertion verified twice with the same challenge: its counter did not increase', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await f.register(userId, authenticator);
    const first = await f.signIn(authenticator, { userId });
    expect(first.result).toEqual({ ok: true, userId, passkeyId });

    // Even a caller that failed to spend its challenge does not accept the assertion again.
    const input = { expectedChallenge: first.challenge, rp: RP, userId };
    expect(await f.passkeys.verifyPasskeyAuthentication(first.response, input)).toEqual({
      ok: false,
      reason: 'identity.passkey_counter_regressed',
    });
    const [replayed] = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(replayed?.details).toMatchObject({ stored_counter: 1, presented_counter: 1 });
  });

  it('refuses an assertion presented against any challenge but its own, even from an authenticator with no counter', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator({ countsSignatures: false });
    await f.register(userId, authenticator);
    const first = await f.signIn(authenticator, { userId });
    expect(first.result.ok).toBe(true);

    // The replayer starts a new ceremony to get a fresh challenge and sends the old assertion in answer.
    const fresh = await f.passkeys.passkeyAuthenticationOptions(userId, RP);
    expect(
      await f.passkeys.verifyPasskeyAuthentication(first.response, {
        expectedChallenge: fresh.challenge,
        rp: RP,
        userId,
      }),
    ).toEqual({ ok: false, reason: 'identity.passkey_invalid' });
    const failed = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed.at(-1)?.details.problem).toMatch(/challenge/i);
  });

  it('refuses a registration answer presented against a challenge other than its own, storing nothing', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const first = await f.passkeys.passkeyRegistrationOptions(userId, 'replay@example.test', RP);
    const response = authenticator.createCredential(first.options, { origin: RP.origin });
    const second = await f.passkeys.passkeyRegistrationOptions(userId, 'replay@example.test', RP);
    await expect(
      f.passkeys.verifyPasskeyRegistration(userId, response, { expectedChallenge: second.challenge, rp: RP }),
    ).rejects.toSatisfy((e: unknown) => isAppError(e, 'identity.passkey_rejected'));
    expect(await f.passkeys.listPasskeys(userId)).toEqual([]);
    const [failed] = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed?.details.problem).toMatch(/challenge/i);
  });
});
