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
    title: 'Org frozen',
    description: 'The org is frozen (for example during a dispute): mutations and model calls are refused; reads, audit and billing reads included, stay open. Also the audit reason code of a freeze.',
  },
  'tenancy.platform_org_not_freezable': {
    status: 409,
    title: 'Platform org cannot be frozen',
    description: 'The platform org runs the installation (it freezes and unfreezes the others), so it cannot be frozen itself.',
  },
  'tenancy.bootstrap_invalid': {
    status: 401,
    title: 'Bootstrap secret invalid',
    description: 'The bootstrap secret is unknown, already used or expired.',
  },
});
