import { defineErrors } from '../error-spec.js';

/** Codes of WebAuthn passkeys (registration and sign-in). */
export const identityPasskeyErrors = defineErrors({
  'identity.passkey_invalid': {
    status: 401,
    title: 'Passkey not accepted',
    description:
      'A passkey assertion failed: an unknown credential, one of another user, a wrong origin or RP ID, no user verification, a bad signature, a challenge other than the one issued, or a malformed response.',
  },
  'identity.passkey_counter_regressed': {
    status: 401,
    title: 'Passkey counter did not advance',
    description:
      'A correctly signed passkey assertion carried a signature counter that did not increase over the one last seen: two authenticators hold the same key (a clone). The attempt is refused, the passkey is suspended (`identity.passkey_suspended` from then on), every sign-in of the user ends, and `identity.passkey.suspended` is audited. Sign in with another factor, remove the passkey and register a new one.',
  },
  'identity.passkey_suspended': {
    status: 401,
    title: 'Passkey suspended',
    description:
      'The passkey was suspended after a counter regression (a cloned authenticator) and signs in nobody. Sign in with another factor (TOTP, a recovery code or another passkey), remove it and register a new one.',
  },
  'identity.passkey_rejected': {
    status: 400,
    title: 'Passkey registration refused',
    description:
      'A passkey registration response failed verification: a wrong origin or RP ID, no user verification, an unsupported algorithm, a challenge other than the one issued, or a malformed response.',
  },
  'identity.passkey_already_registered': {
    status: 409,
    title: 'Passkey already registered',
    description: 'The credential of a passkey registration is already registered (to this or another account).',
  },
});
