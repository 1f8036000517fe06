import { defineErrors } from '../error-spec.js';

/** Codes of authentication and authorization. */
export const authzErrors = defineErrors({
  'authn.required': {
    status: 401,
    title: 'Authentication required',
    description: 'The request carries no credentials, or its credentials are invalid, expired or revoked. The precise reason is in the audit log only.',
  },
  'authz.denied': {
    status: 403,
    title: 'Forbidden',
    description: 'Policy denied the action (deny by default). `details.reasons` lists the deciding policy ids where they may be shown.',
  },
});
