export type {
  FactorCheck,
  Identity,
  PasskeyCeremony,
  PasswordCheck,
  RelyingParty,
  SignInMeta,
  UserFactors,
} from './identity.js';
export { openIdentity, type IdentityDeps } from './open-identity.js';
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
