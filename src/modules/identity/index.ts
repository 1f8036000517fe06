export type {
  FactorCheck,
  Identity,
  PasskeyCeremony,
  PasswordCheck,
  RelyingParty,
  SignInMeta,
  UserFactors,
} from './identity.js';
export type { EndSignIns, SignInsEndReason } from './identity-deps.js';
export { loadAccountKeyOf, type AccountKeyOf } from './account-key.js';
export { openAccountLinks, openIdentity, type AccountLinkDeps, type IdentityDeps } from './open-identity.js';
export {
  INVITATION_TTL_DAYS,
  type InvitationAcceptance,
  type Invitations,
  type InvitationView,
} from './invitations/invitations.js';
export {
  PASSWORD_RESET_TTL_MINUTES,
  type PasswordResetCompletion,
  type PasswordResetRequest,
  type PasswordResets,
} from './password-reset/password-resets.js';
export { DEFAULT_PASSWORD_RESET_LIMITS, type PasswordResetLimits } from './password-reset/password-reset-throttle.js';
export { argon2idHasher, type PasswordHasher } from './passwords/password-hasher.js';
export {
  assertPasswordAcceptable,
  passwordRejections,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type PasswordRejection,
} from './passwords/password-policy.js';
export { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './sign-in-throttle.js';
export type { TotpConfirmation } from './totp/enroll-totp.js';
export {
  openPasskeys,
  type PasskeyAuthentication,
  type PasskeyId,
  type Passkeys,
  type PasskeySummary,
} from './webauthn/index.js';
