import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';
import type { PasskeyCeremony, RelyingParty, SignInMeta } from '../identity.js';
import {
  verifyPasskeyAuthentication,
  type PasskeyAuthentication,
  type PasskeyAuthenticationInput,
} from './authenticate-passkey.js';
import { listPasskeys, removePasskey } from './manage-passkeys.js';
import type { PasskeyDeps, PasskeyId, PasskeySummary } from './passkey.js';
import { passkeyAuthenticationOptions, passkeyRegistrationOptions } from './passkey-options.js';
import { verifyPasskeyRegistration, type PasskeyRegistrationInput } from './register-passkey.js';

/** Users' WebAuthn passkeys: registration, sign-in, listing and removal; every check and change is audited. */
export interface Passkeys {
  /** Options to add a passkey to a user (the user's existing ones excluded), and the challenge to keep. */
  passkeyRegistrationOptions(
    userId: UserId,
    userName: string,
    rp: RelyingParty,
    within?: PlatformSql,
  ): Promise<PasskeyCeremony<PublicKeyCredentialCreationOptionsJSON>>;
  /** Verifies the browser's registration answer and stores the passkey; throws `identity.passkey_rejected` or `identity.passkey_already_registered`. */
  verifyPasskeyRegistration(userId: UserId, response: unknown, input: PasskeyRegistrationInput): Promise<PasskeyId>;
  /** Options to sign in with a passkey: the user's passkeys, or none for a discoverable sign-in; and the challenge to keep. */
  passkeyAuthenticationOptions(
    userId: UserId | undefined,
    rp: RelyingParty,
  ): Promise<PasskeyCeremony<PublicKeyCredentialRequestOptionsJSON>>;
  /** Verifies the browser's sign-in answer; a stale signature counter is `identity.passkey_counter_regressed`. */
  verifyPasskeyAuthentication(response: unknown, input: PasskeyAuthenticationInput): Promise<PasskeyAuthentication>;
  /** A user's passkeys, without key material. */
  listPasskeys(userId: UserId): Promise<PasskeySummary[]>;
  /** Removes one of a user's passkeys; `http.not_found` when the user has none of that id. */
  removePasskey(userId: UserId, passkeyId: string, actor: AuditActor, meta?: SignInMeta): Promise<void>;
}

/** The passkey use cases bound to their dependencies. */
export function openPasskeys(deps: PasskeyDeps): Passkeys {
  return {
    passkeyRegistrationOptions: (userId, userName, rp, within) =>
      passkeyRegistrationOptions(deps, userId, userName, rp, within),
    verifyPasskeyRegistration: (userId, response, input) => verifyPasskeyRegistration(deps, userId, response, input),
    passkeyAuthenticationOptions: (userId, rp) => passkeyAuthenticationOptions(deps, userId, rp),
    verifyPasskeyAuthentication: (response, input) => verifyPasskeyAuthentication(deps, response, input),
    listPasskeys: (userId) => listPasskeys(deps, userId),
    removePasskey: (userId, passkeyId, actor, meta) => removePasskey(deps, userId, passkeyId, actor, meta),
  };
}
