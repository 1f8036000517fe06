import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { UserId } from '../../../lib/ids.js';
import type { PasskeyCeremony, RelyingParty } from '../identity.js';
import { PASSKEY_ALGORITHMS, userHandleOf, type PasskeyDeps } from './passkey.js';
import { selectUserPasskeys } from './passkey-repo.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/**
 * Options for `navigator.credentials.create()` to add a passkey to a user, and the challenge the caller keeps (once)
 * to verify the answer. The user's existing passkeys are excluded, so an authenticator does not register twice.
 * `within`: the caller's platform transaction, when the options are made as part of its change (owner setup).
 */
export async function passkeyRegistrationOptions(
  deps: PasskeyDeps,
  userId: UserId,
  userName: string,
  rp: RelyingParty,
  within?: PlatformSql,
): Promise<PasskeyCeremony<PublicKeyCredentialCreationOptionsJSON>> {
  const existing = within
    ? await selectUserPasskeys(within, userId)
    : await deps.db.withPlatform((sql) => selectUserPasskeys(sql, userId));
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName,
    userDisplayName: userName,
    // SECURITY: the user handle is derived from the user id alone; the e-mail is only the displayed name.
    userID: userHandleOf(userId),
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
  });
  return { options, challenge: options.challenge };
}

/**
 * Options for `navigator.credentials.get()`: the user's passkeys when the user is known, none (a discoverable
 * credential picked by the browser) when not; and the challenge the caller keeps (once) to verify the answer.
 */
export async function passkeyAuthenticationOptions(
  deps: PasskeyDeps,
  userId: UserId | undefined,
  rp: RelyingParty,
): Promise<PasskeyCeremony<PublicKeyCredentialRequestOptionsJSON>> {
  const existing = userId ? await deps.db.withPlatform((sql) => selectUserPasskeys(sql, userId)) : [];
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: existing
      .filter((passkey) => passkey.suspendedAt === null)
      .map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
    userVerification: 'required',
  });
  return { options, challenge: options.challenge };
}
