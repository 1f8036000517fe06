import { generateSecret, generateURI, verify } from 'otplib';
import type { UserId } from '../../../lib/ids.js';
import type { FieldRef } from '../../../platform/vault/index.js';

// What every authenticator app understands: SHA-1, 6 digits, 30-second steps.
const TOTP = { algorithm: 'sha1', digits: 6, period: 30 } as const;
// One step either side of now, for clock drift between the phone and the server.
const TOLERANCE_SECONDS = TOTP.period;
const CODE = /^[0-9]{6}$/;

/** Where a user's TOTP secret is stored; its ciphertext decrypts only there. */
export const totpSecretRef = (userId: UserId): FieldRef => ({
  table: 'user_totp',
  column: 'secret_ciphertext',
  rowId: userId,
});

/** A new TOTP secret: 160 random bits, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URI an authenticator app scans (as a QR code) to add the secret. */
export function totpUri(secret: string, issuer: string, accountName: string): string {
  return generateURI({ issuer, label: accountName, secret, ...TOTP });
}

/** The TOTP time step `now` falls in. */
export function timeStepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP.period);
}

/**
 * The time step `code` belongs to if it is valid for `secret` at `now` (±1 step); undefined otherwise. The caller
 * refuses a step it has already accepted and records the new one atomically (acceptTotpStep).
 */
export async function verifyTotpCode(secret: string, code: string, now: Date): Promise<number | undefined> {
  if (!CODE.test(code)) return undefined;
  const result = await verify({
    secret,
    token: code,
    ...TOTP,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOLERANCE_SECONDS,
  });
  // The functional API types the result for HOTP too; a TOTP result always carries its time step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
