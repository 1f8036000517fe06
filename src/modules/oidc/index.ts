export { openOidc, rotateSigningKeyNow, type Oidc, type OidcDeps } from './open-oidc.js';
export type { ClientAuthMethod } from './clients/client-repo.js';
export type { CreatedOAuthClient } from './clients/create-oauth-client.js';
export type { ProviderCallback } from './provider/provider-host.js';
export type { RotatedKey } from './signing-keys/rotate-signing-key.js';
export type { ServiceAccountToken } from './tokens/authenticate-access-token.js';
export { TokenRejected } from './tokens/verify-access-token.js';
