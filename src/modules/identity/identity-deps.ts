import type { AccountKeyOf } from './account-key.js';
import type { Clock } from '../../lib/clock.js';
import type { OrgId, UserId } from '../../lib/ids.js';
import type { Db, PlatformSql } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../audit/index.js';
import type { PasswordHasher } from './passwords/password-hasher.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** Why identity ends a user's sign-ins: their password was replaced, or one of their passkeys was cloned. */
export type SignInsEndReason = 'identity.password_changed' | 'identity.passkey_counter_regressed';

/**
 * Ends every sign-in of a user (each grant, its tokens and codes, the browser sessions holding them) in the caller's
 * platform transaction, audited as done by `actor` for `reason`. The OIDC module provides it; identity calls it when
 * a credential that may be in someone else's hands is replaced or suspended, so a session taken with it ends too.
 */
export type EndSignIns = (
  platform: PlatformSql,
  userId: UserId,
  meta: { actor: AuditActor; reason: SignInsEndReason },
) => Promise<void>;

/** What the credential use cases share (built once by openIdentity). */
export interface CredentialDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  /** The platform org: its audit chain records sign-ins, its data key encrypts TOTP secrets. */
  platformOrgId: OrgId;
  throttle: SignInThrottle;
  /** The key of an e-mail in the throttling counters and audit details (keyed, so not reversible by guessing). */
  accountKeyOf: AccountKeyOf;
  hasher: PasswordHasher;
  /** The issuer name authenticator apps show beside a TOTP code. */
  totpIssuer: string;
  endSignIns: EndSignIns;
}
