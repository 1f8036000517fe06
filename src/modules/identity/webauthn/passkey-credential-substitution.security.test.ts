import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { userHandleOf } from './passkey.js';

// Attack: after signing in with the victim's password, the attacker answers the passkey step with a passkey of
// their own account: a valid credential, correctly signed, but not the victim's.
describe(`passkey of another user as second factor (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('refuses a valid passkey of another user when a user is expected, audited against the expected user', async () => {
    const victim = await f.newUser();
    const attacker = await f.newUser();
    await f.register(victim, new SoftwareAuthenticator());
    const attackers = new SoftwareAuthenticator();
    const attackerPasskey = await f.register(attacker, attackers);

    // The attacker's authenticator answers a discoverable challenge; the server is told the victim is signing in.
    const ceremony = await f.passkeys.passkeyAuthenticationOptions(undefined, RP);
    const response = attackers.getAssertion(ceremony.options, { origin: RP.origin });
    const result = await f.passkeys.verifyPasskeyAuthentication(response, {
      expectedChallenge: ceremony.challenge,
      rp: RP,
      userId: victim,
    });
    expect(result).toEqual({ ok: false, reason: 'identity.passkey_invalid' });
    const [failed] = (await f.events('identity.passkey.failed')).filter((e) => e.resource?.id === victim);
    expect(failed).toMatchObject({
      actor: { type: 'user', id: victim },
      details: { problem: 'credential of another user', passkey_id: attackerPasskey },
    });
    // Not even the attacker's own counter moved: the assertion was refused before it was verified.
    expect(await f.storedCounter(attackerPasskey)).toBe(0);
  });

  it('refuses a discoverable assertion whose user handle names an account other than the credential’s', async () => {
    const owner = await f.newUser();
    const other = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    await f.register(owner, authenticator);
    const ceremony = await f.passkeys.passkeyAuthenticationOptions(undefined, RP);
    const response = authenticator.getAssertion(ceremony.options, { origin: RP.origin });
    const swapped = {
      ...response,
      response: { ...response.response, userHandle: isoBase64URL.fromBuffer(userHandleOf(other)) },
    };
    expect(
      await f.passkeys.verifyPasskeyAuthentication(swapped, { expectedChallenge: ceremony.challenge, rp: RP }),
    ).toEqual({ ok: false, reason: 'identity.passkey_invalid' });
    expect(
      await f.passkeys.verifyPasskeyAuthentication(response, { expectedChallenge: ceremony.challenge, rp: RP }),
    ).toEqual({ ok: true, userId: owner, passkeyId: expect.stringMatching(/^pky_/) });
  });
});
