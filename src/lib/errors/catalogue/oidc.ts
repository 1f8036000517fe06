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
  'oidc.redirect_uri_invalid': {
    status: 400,
    title: 'Redirect URI refused',
    description:
      "An application client's redirect URIs (1 to 10) must be absolute https URLs (plain http only to 127.0.0.1, [::1] or localhost), without fragment, user info or wildcard; they are matched exactly. `details.field` names the URI.",
  },
  'oidc.first_party_not_allowed': {
    status: 403,
    title: "First-party clients are the platform's",
    description:
      "Only the platform org may create a first-party application client (one that skips the consent screen); an org's own applications ask its members for consent.",
  },
  'oidc.sign_in_expired': {
    status: 400,
    title: 'Sign-in expired',
    description:
      'The sign-in page belongs to no live authorization request: it expired (after 15 minutes), was finished, or the browser lost its interaction cookie. Start again from the application.',
  },
  'oidc.sign_in_forbidden': {
    status: 403,
    title: 'Sign-in form refused',
    description:
      'A sign-in form was posted without the token its page carried (a form from another site, or a stale tab). Nothing was checked; reload the page.',
  },
  'oidc.not_a_member': {
    status: 403,
    title: 'No access to this application',
    description:
      'Audit reason only: the user signed in but is no active member of the org that owns the application; the application hears `access_denied`.',
  },
  'oidc.consent_declined': {
    status: 403,
    title: 'Consent declined',
    description:
      "Audit reason only: the user declined a third-party application's request; the application hears `access_denied`.",
  },
  'oidc.refresh_token_reused': {
    status: 400,
    title: 'Refresh token reused',
    description:
      'Audit reason only: a refresh token that was already exchanged was presented again (it may have been stolen). Its whole grant was revoked: every refresh and access token of that sign-in; the client hears `invalid_grant`.',
  },
  'oidc.sessions_revoked_by_admin': {
    status: 401,
    title: 'Sign-ins ended by an org admin',
    description:
      "Audit reason only: an admin of the org ended a member's sign-ins to the org's applications (their grants, refresh tokens and codes were deleted; the access tokens stop working at once). Sign-ins to other orgs' applications stand. A token of an ended sign-in gets `authn.required`, a refresh `invalid_grant`.",
  },
  'oidc.sessions_revoked_by_operator': {
    status: 401,
    title: 'Sign-ins ended by an operator',
    description:
      "Audit reason only: an operator ended a user's sign-ins from the server's shell (`bulwark sessions revoke`): every grant, refresh token, code and browser session of the user, or those of one org's applications.",
  },
  'oidc.sessions_revoked_by_user': {
    status: 401,
    title: 'Sign-ins ended by their user',
    description:
      "Audit reason only: a person ended their own sign-ins to the applications of their token's org (`DELETE /v1/me/sessions`): all of them or one.",
  },
  'oidc.user_disabled': {
    status: 401,
    title: 'User disabled',
    description:
      'Audit reason only: an operator disabled the user (`bulwark users disable`): every sign-in ended, no new one, refresh or API request of the user is accepted.',
  },
});
