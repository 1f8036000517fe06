import { defineErrors } from '../error-spec.js';

/** Codes of orgs, memberships and bootstrap. */
export const tenancyErrors = defineErrors({
  'tenancy.org_not_found': {
    status: 404,
    title: 'Org not found',
    description: 'No org with this id exists, or the caller may not see it.',
  },
  'tenancy.org_frozen': {
    status: 423,
    reserved: true,
    title: 'Org frozen',
    description: 'The org is frozen (for example during a dispute); mutating requests are refused.',
  },
  'tenancy.bootstrap_invalid': {
    status: 401,
    title: 'Bootstrap secret invalid',
    description: 'The bootstrap secret is unknown, already used or expired.',
  },
});
