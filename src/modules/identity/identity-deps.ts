import type { Clock } from '../../lib/clock.js';
import type { OrgId } from '../../lib/ids.js';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';
import type { AuditLog } from '../audit/index.js';
import type { PasswordHasher } from './passwords/password-hasher.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** What the credential use cases share (built once by openIdentity). */
export interface CredentialDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  /** The platform org: its audit chain records sign-ins, its data key encrypts TOTP secrets. */
  platformOrgId: OrgId;
  throttle: SignInThrottle;
  hasher: PasswordHasher;
  /** The issuer name authenticator apps show beside a TOTP code. */
  totpIssuer: string;
}
