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
    description:
      'The org is frozen (for example during a dispute): mutations and model calls are refused; reads, audit and billing reads included, stay open. Also the audit reason code of a freeze.',
  },
  'tenancy.platform_org_not_freezable': {
    status: 409,
    title: 'Platform org cannot be frozen',
    description:
      'The platform org runs the installation (it freezes and unfreezes the others), so it cannot be frozen itself.',
  },
  'tenancy.owner_protected': {
    status: 403,
    title: 'Owner protected',
    description: 'Only an owner may change or remove a member or service account that holds the owner role.',
  },
  'tenancy.self_elevation': {
    status: 403,
    title: 'Cannot raise your own roles',
    description:
      'A member may give up roles of their own membership but never add one, whether directly or through one of their API keys.',
  },
  'tenancy.bootstrap_invalid': {
    status: 401,
    title: 'Bootstrap secret invalid',
    description: 'The bootstrap secret is unknown, already used or expired.',
  },
});
