import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';

// Attack: a credential id already registered to one account is registered again (to the attacker's account, or
// twice to the same one), so that a sign-in with that credential could resolve to the wrong account or key.
describe(`duplicate passkey credential registration (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses a credential id registered to another user, and to the same user again, audited', async () => {
    const first = await f.newUser();
    const second = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await f.register(first, authenticator);

    // The second user's options do not exclude the first user's credential, so the authenticator answers.
    await expect(f.register(second, authenticator)).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'identity.passkey_already_registered'),
    );
    // The same user, with a client that ignores excludeCredentials (fresh options without the exclusion).
    const ceremony = await f.passkeys.passkeyRegistrationOptions(first, 'first@example.test', RP);
    const response = authenticator.createCredential(
      { ...ceremony.options, excludeCredentials: [] },
      { origin: RP.origin },
    );
    await expect(
      f.passkeys.verifyPasskeyRegistration(first, response, { expectedChallenge: ceremony.challenge, rp: RP }),
    ).rejects.toSatisfy((e: unknown) => isAppError(e, 'identity.passkey_already_registered'));

    expect(await f.passkeys.listPasskeys(second)).toEqual([]);
    expect((await f.passkeys.listPasskeys(first)).map((p) => p.id)).toEqual([passkeyId]);
    const refused = (await f.events('identity.passkey.failed')).filter(
      (e) => e.resource?.id === first || e.resource?.id === second,
    );
    expect(refused.map((e) => [e.resource?.id, e.reason_codes])).toEqual([
      [second, ['identity.passkey_already_registered']],
      [first, ['identity.passkey_already_registered']],
    ]);
    // The credential still signs in to its first owner only.
    expect((await f.signIn(authenticator)).result).toEqual({ ok: true, userId: first, passkeyId });
  });
});
