import { createHash } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import type { Id, OrgId, UserId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { AuditLog } from '../../audit/index.js';
import type { EndSignIns } from '../identity-deps.js';

/** A passkey's id (`pky_…`). */
export type PasskeyId = Id<'pky'>;

/** What the passkey use cases are built from. */
export interface PasskeyDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  /** The platform org, in whose audit chain passkey events of the (global) users are written. */
  platformOrgId: OrgId;
  /** Ends a user's sign-ins (when one of their passkeys turns out cloned). */
  endSignIns: EndSignIns;
}

/** The WebAuthn transports Bulwark records (the browser's hints for reaching an authenticator again). */
export const passkeyTransports = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
export type PasskeyTransport = (typeof passkeyTransports)[number];

/** A user's passkey as listed to them: no key material. */
export interface PasskeySummary {
  id: PasskeyId;
  name: string;
  transports: PasskeyTransport[];
  createdAt: Date;
  lastUsedAt: Date | null;
  /** When a counter regression (a cloned authenticator) suspended it; a suspended passkey signs in nobody. */
  suspendedAt: Date | null;
}

/**
 * COSE algorithms offered and accepted: ES256 (-7), EdDSA (-8), RS256 (-257). Registration options and verification use
 * the same list, so a credential of another algorithm is refused rather than stored.
 */
export const PASSKEY_ALGORITHMS: readonly number[] = [-7, -8, -257];

/**
 * The WebAuthn user handle of a user: SHA-256 of the user id. It is stable (a re-registration replaces the same
 * account's resident credential on the authenticator) and carries no e-mail or other personal data.
 */
export function userHandleOf(userId: UserId): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`bulwark-webauthn-user:${userId}`).digest());
}
