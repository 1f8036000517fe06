import { AppError } from '../../../lib/errors/index.js';
import type { Passkeys, RelyingParty } from '../../identity/index.js';
import type { SignInPasskeys } from './sign-in.js';

/** The passkey ceremonies of a sign-in, bound to Bulwark's relying party (the issuer's host and origin). */
export function signInPasskeys(passkeys: Passkeys, rp: RelyingParty): SignInPasskeys {
  return {
    registrationOptions: (userId, userName) => passkeys.passkeyRegistrationOptions(userId, userName, rp),
    async register(userId, response, challenge, meta) {
      try {
        await passkeys.verifyPasskeyRegistration(userId, response, { expectedChallenge: challenge, rp, meta });
        return true;
      } catch (error) {
        // A refused registration is audited by the identity module; the page only says it was not accepted.
        if (error instanceof AppError && error.code.startsWith('identity.passkey_')) return false;
        throw error;
      }
    },
    async authenticationOptions(userId) {
      const ceremony = await passkeys.passkeyAuthenticationOptions(userId, rp);
      return ceremony.options.allowCredentials?.length ? ceremony : undefined;
    },
    async authenticate(userId, response, challenge, meta) {
      const verdict = await passkeys.verifyPasskeyAuthentication(response, {
        expectedChallenge: challenge,
        rp,
        userId,
        meta,
      });
      return verdict.ok;
    },
  };
}
