export { openPasskeys, type Passkeys } from './open-passkeys.js';
export type { PasskeyDeps, PasskeyId, PasskeySummary, PasskeyTransport } from './passkey.js';
export type { PasskeyAuthentication, PasskeyAuthenticationInput } from './authenticate-passkey.js';
export type { PasskeyRegistrationInput } from './register-passkey.js';
export type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
