import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';

// Attack: someone holding the victim's unlocked security key (or a stolen phone) touches it without the PIN or
// biometric. The authenticator then reports presence (UP) but not verification (UV); a passkey is a full sign-in
// only with UV, so both ceremonies must refuse it.
describe(`passkey without user verification (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses to register a passkey made without user verification, audited', async () => {
    const userId = await f.newUser();
    await expect(f.register(userId, new SoftwareAuthenticator(), { userVerified: false })).rejects.toSatisfy(
      (e: unknown) => isAppError(e, 'identity.passkey_rejected'),
    );
    expect(await f.passkeys.listPasskeys(userId)).toEqual([]);
    const [failed] = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed).toMatchObject({
      decision: 'deny',
      reason_codes: ['identity.passkey_rejected'],
      details: { ceremony: 'registration', problem: expect.stringMatching(/user could not be verified/i) },
    });
  });

  it('refuses an assertion without user verification, as second factor and discoverable, audited', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await f.register(userId, authenticator);
    for (const options of [{ userId }, {}])
      expect((await f.signIn(authenticator, { ...options, answer: { userVerified: false } })).result).toEqual({
        ok: false,
        reason: 'identity.passkey_invalid',
      });
    expect(await f.storedCounter(passkeyId)).toBe(0);
    const failed = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed.map((e) => e.details.problem)).toEqual([
      expect.stringMatching(/user could not be verified/i),
      expect.stringMatching(/user could not be verified/i),
    ]);
    expect((await f.signIn(authenticator, { userId })).result).toEqual({ ok: true, userId, passkeyId });
  });
});
