import { defineErrors } from '../error-spec.js';

/** Codes of the embedded OpenID provider: access tokens presented to the API, service-account OAuth clients. */
export const oidcErrors = defineErrors({
  'authn.token_invalid': {
    status: 401,
    title: 'Authentication required',
    description:
      'Audit reason only (the client sees `authn.required`): the bearer access token is not an ES256 `at+jwt` signed by a published Bulwark key for this issuer and the Bulwark API audience (`alg: none`, HS*, an unknown `kid`, a wrong issuer or audience are all refused).',
  },
  'authn.token_expired': {
    status: 401,
    title: 'Authentication required',
    description: 'Audit reason only: the access token is past its `exp` (or before its `nbf`) beyond the leeway.',
  },
  'authn.token_revoked': {
    status: 401,
    title: 'Authentication required',
    description: 'Audit reason only: the access token (or its grant) was revoked at the revocation endpoint.',
  },
  'oidc.client_jwks_invalid': {
    status: 400,
    title: 'Client key set refused',
    description:
      'A `private_key_jwt` client needs `jwks` with 1 to 5 public signing keys (EC P-256/P-384, RSA of 2048 bits or more, or Ed25519) and no private parts; `client_secret_basic` takes no `jwks`.',
  },
});
