import { PASSKEY_ROLES } from '../../tenancy/index.js';

/** `acr` of a sign-in with a password and a second factor (TOTP or a recovery code). */
export const MFA_ACR = 'mfa';
/** `acr` of a phishing-resistant sign-in: a passkey with user verification (OpenID EAP's `phr`). */
export const PHISHING_RESISTANT_ACR = 'phr';
/** The `acr` values the provider offers. */
export const SIGN_IN_ACRS = [MFA_ACR, PHISHING_RESISTANT_ACR] as const;

/** RFC 8176 methods: a password, a one-time code, a hardware-bound key (a passkey ceremony), multiple factors. */
export type SignInMethod = 'pwd' | 'otp' | 'hwk' | 'mfa';

/**
 * The roles a user token carries: the membership's, less the privileged ones when the sign-in used no passkey.
 * SECURITY: a TOTP-only owner or admin signs in with the rest of their roles and gets no admin-capable token until
 * they sign in again with a passkey (acr_values=phr).
 */
export function rolesForSignIn(memberRoles: readonly string[], amr: readonly string[]): string[] {
  return amr.includes('hwk') ? [...memberRoles] : memberRoles.filter((role) => !PASSKEY_ROLES.has(role));
}

/** The `acr` of a completed sign-in. */
export function acrFor(amr: readonly string[]): string {
  return amr.includes('hwk') ? PHISHING_RESISTANT_ACR : MFA_ACR;
}
