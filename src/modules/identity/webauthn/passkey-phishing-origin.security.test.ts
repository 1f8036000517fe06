import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';

const PHISHING_ORIGIN = 'https://login.bulwark-test.example';
const PHISHING_RP_ID = 'bulwark-test.example';

// Attack: a look-alike site relays Bulwark's options to the victim's browser. The browser reports the page's real
// origin in clientDataJSON, and an authenticator scopes the credential to the RP ID it was asked for; the server must
// accept neither another origin nor another RP ID.
describe(`passkey phishing: wrong origin or RP ID (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses a registration made on another origin or for another RP ID, audited, storing nothing', async () => {
    const userId = await f.newUser();
    for (const answer of [
      { origin: PHISHING_ORIGIN },
      { rpId: PHISHING_RP_ID },
      { origin: 'http://login.bulwark.test' },
    ])
      await expect(f.register(userId, new SoftwareAuthenticator(), answer)).rejects.toSatisfy((e: unknown) =>
        isAppError(e, 'identity.passkey_rejected'),
      );
    expect(await f.passkeys.listPasskeys(userId)).toEqual([]);
    const failed = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed.map((e) => e.reason_codes)).toEqual([
      ['identity.passkey_rejected'],
      ['identity.passkey_rejected'],
      ['identity.passkey_rejected'],
    ]);
    expect(failed[0]?.details).toMatchObject({ ceremony: 'registration', problem: expect.stringContaining('origin') });
    expect(failed[1]?.details).toMatchObject({ problem: expect.stringMatching(/RP ID/i) });
  });

  it('refuses an assertion made on another origin or for another RP ID, audited, leaving the counter alone', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await f.register(userId, authenticator);

    for (const answer of [{ origin: PHISHING_ORIGIN }, { rpId: PHISHING_RP_ID }]) {
      expect((await f.signIn(authenticator, { userId, answer })).result).toEqual({
        ok: false,
        reason: 'identity.passkey_invalid',
      });
      expect((await f.signIn(authenticator, { answer })).result).toEqual({
        ok: false,
        reason: 'identity.passkey_invalid',
      });
    }
    expect(await f.storedCounter(passkeyId)).toBe(0);
    const failed = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === userId);
    expect(failed).toHaveLength(4);
    expect(failed.every((e) => e.decision === 'deny' && e.details.passkey_id === passkeyId)).toBe(true);
    expect(failed[0]?.details.problem).toContain(PHISHING_ORIGIN);
    expect(failed[2]?.details.problem).toMatch(/RP ID/i);
    expect((await f.events('identity.passkey.succeeded')).filter((e) => e.resource?.id === userId)).toEqual([]);

    // The genuine origin still works afterwards.
    expect((await f.signIn(authenticator, { userId })).result).toEqual({ ok: true, userId, passkeyId });
  });

  it('does not let a relying party of a parent domain stand in for the configured one', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    await f.register(userId, authenticator);
    // bulwark.test is a registrable suffix of login.bulwark.test, and a browser would allow it as an RP ID there.
    expect((await f.signIn(authenticator, { userId, answer: { rpId: 'bulwark.test' } })).result).toEqual({
      ok: false,
      reason: 'identity.passkey_invalid',
    });
    expect(RP.id).toBe('login.bulwark.test');
  });
});
