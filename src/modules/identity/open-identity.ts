import type { Clock } from '../../lib/clock.js';
import type { OrgId } from '../../lib/ids.js';
import type { Db } from '../../platform/db/index.js';
import type { CounterStore } from '../../platform/rate-limit/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';
import type { AuditLog } from '../audit/index.js';
import type { AccountKeyOf } from './account-key.js';
import type { MemberService, OrgService } from '../tenancy/index.js';
import type { Identity } from './identity.js';
import type { CredentialDeps, EndSignIns } from './identity-deps.js';
import { openInvitations, type Invitations } from './invitations/invitations.js';
import { checkPassword } from './passwords/check-password.js';
import { argon2idHasher, type PasswordHasher } from './passwords/password-hasher.js';
import { selectUserAccount } from './passwords/password-repo.js';
import { setPassword } from './passwords/set-password.js';
import { openPasswordResets, type PasswordResets } from './password-reset/password-resets.js';
import type { PasswordResetLimits } from './password-reset/password-reset-throttle.js';
import { issueRecoveryCodes } from './recovery-codes/issue-recovery-codes.js';
import { useRecoveryCode } from './recovery-codes/use-recovery-code.js';
import { createSignInThrottle, DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './sign-in-throttle.js';
import { checkTotp } from './totp/check-totp.js';
import { confirmTotpEnrollment, startTotpEnrollment } from './totp/enroll-totp.js';
import { selectUserFactors } from './user-factors.js';

/** What the identity module is built from. */
export interface IdentityDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  /** The platform org: its audit chain records sign-ins, its data key encrypts TOTP secrets. */
  platformOrgId: OrgId;
  /** Where the sign-in throttling counters live (Redis shares them between nodes). */
  counterStore: CounterStore;
  /** The deployment's keyed hash of e-mail addresses (loadAccountKeyOf). */
  accountKeyOf: AccountKeyOf;
  /** Throttling rules; each one left out takes its default (DEFAULT_SIGN_IN_LIMITS). */
  limits?: Partial<SignInLimits>;
  /** The issuer name authenticator apps show beside a TOTP code (default `Bulwark`). */
  totpIssuer?: string;
  /** The password hasher (default argon2id at OWASP parameters); tests inject one to observe verifications. */
  hasher?: PasswordHasher;
  /** Ends a user's sign-ins when their password changes (the OIDC module's revocation). */
  endSignIns: EndSignIns;
}

function credentialDepsOf(deps: IdentityDeps): CredentialDeps {
  return {
    db: deps.db,
    cipher: deps.cipher,
    audit: deps.audit,
    clock: deps.clock,
    platformOrgId: deps.platformOrgId,
    throttle: createSignInThrottle({ ...DEFAULT_SIGN_IN_LIMITS, ...deps.limits }, deps.counterStore),
    accountKeyOf: deps.accountKeyOf,
    hasher: deps.hasher ?? argon2idHasher,
    totpIssuer: deps.totpIssuer ?? 'Bulwark',
    endSignIns: deps.endSignIns,
  };
}

/** Builds the credential core of the identity module: passwords, TOTP and recovery codes, throttled and audited. */
export function openIdentity(deps: IdentityDeps): Identity {
  const credentials = credentialDepsOf(deps);
  return {
    checkPassword: (email, password, meta) => checkPassword(credentials, email, password, meta),
    setPassword: (userId, password, actor, meta) => setPassword(credentials, userId, password, actor, meta),
    account: (userId) => deps.db.withPlatform((platform) => selectUserAccount(platform, userId)),
    factors: (userId) => deps.db.withPlatform((platform) => selectUserFactors(platform, userId)),
    startTotpEnrollment: (userId, accountName) => startTotpEnrollment(credentials, userId, accountName),
    confirmTotpEnrollment: (userId, code, meta) => confirmTotpEnrollment(credentials, userId, code, meta),
    checkTotp: (userId, code, meta) => checkTotp(credentials, userId, code, meta),
    useRecoveryCode: (userId, code, meta) => useRecoveryCode(credentials, userId, code, meta),
    issueRecoveryCodes: (userId, meta) => issueRecoveryCodes(credentials, userId, meta),
  };
}

/** What the e-mailed account links (invitations, password resets) are built from, beyond the identity's deps. */
export interface AccountLinkDeps extends IdentityDeps {
  /** Tenancy's use cases an invitation wraps (the member add, the org creation with its owner). */
  members: Pick<MemberService, 'add'>;
  orgs: Pick<OrgService, 'createWithOwner'>;
  /** The public URL the links in the e-mails start with. */
  publicUrl: string;
  /** Password-reset request limits; each one left out takes its default. */
  resetLimits?: Partial<PasswordResetLimits>;
}

/** Builds the e-mailed account links: invitations to set a first password, and password resets. */
export function openAccountLinks(deps: AccountLinkDeps): { invitations: Invitations; passwordResets: PasswordResets } {
  const credentials = credentialDepsOf(deps);
  return {
    invitations: openInvitations({ credentials, members: deps.members, orgs: deps.orgs, publicUrl: deps.publicUrl }),
    passwordResets: openPasswordResets({
      credentials,
      publicUrl: deps.publicUrl,
      counterStore: deps.counterStore,
      ...(deps.resetLimits ? { limits: deps.resetLimits } : {}),
    }),
  };
}
