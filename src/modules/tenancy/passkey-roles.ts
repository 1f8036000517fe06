/**
 * The roles that act only on a phishing-resistant authentication (a passkey ceremony, `hwk`): a user token
 * carries them only after a passkey sign-in, and an API key carrying `hwk` with one of them lives a bounded time.
 */
export const PASSKEY_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'security', 'finance']);

/** Whether any of `roles` needs a passkey. */
export function needsPasskey(roles: readonly string[]): boolean {
  return roles.some((role) => PASSKEY_ROLES.has(role));
}
