import { defineErrors } from '../error-spec.js';

/** Codes of authentication and authorization. */
export const authzErrors = defineErrors({
  'authn.required': {
    status: 401,
    title: 'Authentication required',
    description:
      'The request carries no credentials, or its credentials are invalid, expired or revoked. The precise reason is in the audit log only.',
  },
  'authn.key_malformed': {
    status: 401,
    title: 'Authentication required',
    description:
      'Audit reason only (the client sees `authn.required`): the bearer credential is not a well-formed Bulwark key or its checksum fails.',
  },
  'authn.key_unknown': {
    status: 401,
    title: 'Authentication required',
    description: 'Audit reason only: no API key with this id exists, or its secret does not match.',
  },
  'authn.key_expired': {
    status: 401,
    title: 'Authentication required',
    description: 'Audit reason only: the API key is past its expiry (including the end of a rotation overlap).',
  },
  'authn.key_revoked': {
    status: 401,
    title: 'Authentication required',
    description: 'Audit reason only: the API key was revoked.',
  },
  'authn.key_wrong_environment': {
    status: 401,
    title: 'Authentication required',
    description:
      'Audit reason only: the key belongs to another environment (a `bwk_dev_` key presented to production, for example).',
  },
  'authn.key_ip_not_allowed': {
    status: 401,
    title: 'Authentication required',
    description: "Audit reason only: the caller's IP address is outside the key's CIDR allow-list.",
  },
  'authn.owner_inactive': {
    status: 401,
    title: 'Authentication required',
    description: 'Audit reason only: the user or service account the key acts for was removed or disabled.',
  },
  'authn.throttled': {
    status: 429,
    title: 'Too many failed authentications',
    description:
      'Too many failed authentications came from this source, or presented this key id, in a short time. `Retry-After` says how many seconds to wait; repeated blocks grow longer (backoff).',
  },
  'authz.role_not_grantable': {
    status: 403,
    title: 'Role not grantable',
    description:
      'The caller tried to give a key, member or service account a role or scope beyond what the caller holds.',
  },
  'authz.scopes_unusable': {
    status: 422,
    title: 'Key scopes unusable',
    description:
      "A key was requested with scopes its role can never use (after capping the role by its owner's current roles, and counting the hardware-key requirement of administrative actions under the built-in policies). `details.scopes` names them; drop them or choose another role.",
  },
  'authz.tenant_boundary': {
    status: 404,
    title: 'Not found',
    description:
      "The path names another org than the caller's. Refused before the body is read and answered as not found, so tenants cannot probe each other.",
  },
  'authz.denied': {
    status: 403,
    title: 'Forbidden',
    description:
      'Policy denied the action (deny by default). `details.reasons` lists the deciding policy ids where they may be shown.',
  },
  'authz.default_deny': {
    status: 403,
    title: 'Forbidden',
    description:
      'Reason code: no built-in policy permits the action for this principal and resource (deny by default).',
  },
  'authz.scope_missing': {
    status: 403,
    title: 'API key scope missing',
    description:
      'Reason code: the API key is not scoped to the action. A key may do only what both its roles and its scopes allow.',
  },
  'authz.org_permit_missing': {
    status: 403,
    title: 'Not permitted by organization policy',
    description:
      "Reason code: the organization's policies permit this action only in listed cases (an allow-list), and none matched.",
  },
  'authz.policy_error': {
    status: 403,
    title: 'Policy evaluation failed',
    description:
      'Reason code: a policy failed to evaluate or the policy engine failed, so the action is denied (fails closed) and an alert is raised. `details.errors` names the failing policies.',
  },
  'authz.policy_invalid': {
    status: 422,
    title: 'Invalid policy',
    description:
      'The policy text does not parse or does not validate against the schema. `details.errors` lists each problem with its `line` and `column`.',
  },
  'authz.cross_tenant_policy': {
    status: 422,
    title: 'Policy reaches outside its organization',
    description:
      "An organization policy mentions another organization's id or the Platform; an org policy may reference only its own org. `details.errors` gives `line` and `column`.",
  },
  'authz.policy_lockout': {
    status: 422,
    title: 'Policy would lock the organization out',
    description:
      'The policy version (an update or a rollback) would deny its own author, or every owner, `read:policies` or `manage:policies`, so nobody could change it back. Nothing was stored. `details.denied` lists who would lose which action and why. An operator can restore the built-in policies with `bulwark policy reset --org ID`.',
  },
  'authz.key_lifetime_exceeded': {
    status: 400,
    title: 'Key lifetime too long',
    description:
      'An API key that carries `hwk` (minted in a passkey session) with an owner, admin, security or finance role lives at most `passkeyKeyMaxDays` (90 by default): `expires_at` is later than that. Leave it out to get the longest allowed.',
  },
});
