import type { UserId } from '../../lib/ids.js';
import type { AuditActor } from '../audit/index.js';

/** Where a sign-in step came from, for throttling and the audit record. */
export interface SignInMeta {
  clientIp: string;
  userAgent?: string;
  requestId?: string;
}

/** The outcome of a password check; the reason never says whether the account exists. */
export type PasswordCheck =
  | { ok: true; userId: UserId }
  | { ok: false; reason: 'identity.invalid_credentials' }
  | { ok: false; reason: 'identity.login_throttled'; retryAfterSeconds: number };

/** The outcome of a second-factor check (TOTP or recovery code). */
export type FactorCheck =
  | { ok: true }
  | { ok: false; reason: 'identity.mfa_invalid' }
  | { ok: false; reason: 'identity.login_throttled'; retryAfterSeconds: number };

/** Which factors a user has set up. */
export interface UserFactors {
  password: boolean;
  /** A confirmed TOTP authenticator. */
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
}

/** The WebAuthn relying party a ceremony is bound to. */
export interface RelyingParty {
  /** The RP ID: the host name of the issuer. */
  id: string;
  name: string;
  /** The exact origin the browser reports (scheme, host, port). */
  origin: string;
}

/** A passkey ceremony's options for the browser, and the challenge the caller keeps to verify the answer. */
export interface PasskeyCeremony<Options> {
  options: Options;
  challenge: string;
}

/** Users' credentials and the checks of each sign-in step. Every check and change is audited. */
export interface Identity {
  /** Checks an e-mail and password; throttled per account and per source, constant work whether the account exists. */
  checkPassword(email: string, password: string, meta: SignInMeta): Promise<PasswordCheck>;
  /** Sets a user's password (argon2id) after the password policy; throws AppError `identity.password_rejected`. */
  setPassword(userId: UserId, password: string, actor: AuditActor, meta?: SignInMeta): Promise<void>;
  /** A user's e-mail and whether the account may sign in; undefined for an unknown user. */
  account(userId: string): Promise<{ email: string; active: boolean } | undefined>;
  /** The factors a user has. */
  factors(userId: UserId): Promise<UserFactors>;
  /**
   * Starts (or restarts) TOTP enrollment: a new secret, unconfirmed until a code from it is checked. Throws AppError
   * `identity.mfa_already_enrolled` when the user has a confirmed authenticator (it is never silently replaced).
   */
  startTotpEnrollment(userId: UserId, accountName: string): Promise<{ secret: string; otpauthUri: string }>;
  /** Confirms TOTP enrollment with a code; returns fresh recovery codes (shown once). */
  confirmTotpEnrollment(
    userId: UserId,
    code: string,
    meta: SignInMeta,
  ): Promise<{ ok: true; recoveryCodes: string[] } | Exclude<FactorCheck, { ok: true }>>;
  /** Checks a TOTP code; a code of an already used time step is refused. */
  checkTotp(userId: UserId, code: string, meta: SignInMeta): Promise<FactorCheck>;
  /** A fresh set of recovery codes (the earlier ones stop working), returned once. */
  issueRecoveryCodes(userId: UserId, meta: SignInMeta): Promise<string[]>;
  /** Spends a recovery code. */
  useRecoveryCode(userId: UserId, code: string, meta: SignInMeta): Promise<FactorCheck>;
}
