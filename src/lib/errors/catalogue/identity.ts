import { defineErrors } from '../error-spec.js';

/** Codes of human sign-in: passwords, second factors and their throttling. */
export const identityErrors = defineErrors({
  'identity.invalid_credentials': {
    status: 401,
    title: 'Invalid credentials',
    description:
      'The e-mail and password do not match an active account. The same answer is given whether the account exists, has no password or the password is wrong.',
  },
  'identity.login_throttled': {
    status: 429,
    title: 'Too many attempts',
    description:
      'Too many failed sign-in attempts for this account or from this source; `details.retry_after_seconds` says when to try again. Nothing is checked while the block lasts, so even a right password or code is refused.',
  },
  'identity.mfa_required': {
    status: 401,
    title: 'Second factor required',
    description:
      'The password was right, but the account needs a second factor (TOTP, recovery code or passkey) to sign in.',
    reserved: true,
  },
  'identity.mfa_invalid': {
    status: 401,
    title: 'Invalid second factor',
    description:
      'The TOTP code or recovery code is wrong, already used (a TOTP code of a time step already accepted is refused), or the user has no such factor.',
  },
  'identity.mfa_already_enrolled': {
    status: 409,
    title: 'Authenticator already enrolled',
    description:
      'The user already has a confirmed TOTP authenticator; a new enrollment would silently replace it. Remove the current one first.',
  },
  'identity.last_active_owner': {
    status: 409,
    title: 'Last active owner',
    description:
      'Disabling this user would leave the orgs in `details.org_ids` without an active owner (the platform org included), so nobody could administer them. Make another member owner first, or, to lock out a compromised sole owner on purpose, repeat the shell command with `--leave-without-owner` (`bulwark users enable` reverses it).',
  },
  'identity.password_rejected': {
    status: 400,
    title: 'Password rejected',
    description:
      'The new password breaks the password policy: 12 to 256 characters, not common or guessable (zxcvbn score 3 or more), not containing the e-mail name. `details.reasons` lists each rule broken (`too_short`, `too_long`, `too_guessable`, `contains_email`).',
  },
  'identity.link_invalid': {
    status: 410,
    title: 'Link no longer works',
    description:
      'The invitation or password-reset link is unknown, expired or already used (each works once; an invitation lasts 7 days, a reset 1 hour). The answer does not say which. Ask for a new one.',
  },
  'identity.password_reset_throttled': {
    status: 429,
    title: 'Too many password-reset requests',
    description:
      'Too many password resets were asked for this e-mail address or from this source; `details.retry_after_seconds` says when to try again. Unknown and known addresses are counted alike, so the answer says nothing about whether an account exists.',
  },
  'identity.password_changed': {
    status: 401,
    title: 'Sign-ins ended by a password change',
    description:
      "Audit reason only: the user's password was replaced (a password reset, or `bulwark users set-password`), so every sign-in made before it ended: each grant, its refresh tokens and codes, and the browser sessions holding them. A token of an ended sign-in gets `authn.required`, a refresh `invalid_grant`.",
  },
});
