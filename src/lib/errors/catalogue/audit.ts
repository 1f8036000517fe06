import { defineErrors } from '../error-spec.js';

/** Codes of the audit log. */
export const auditErrors = defineErrors({
  'audit.write_failed': {
    status: 503,
    title: 'Audit write failed',
    description:
      'The audit record of a decision could not be written; the guarded action is not performed (fails closed).',
  },
  'audit.chain_broken': {
    status: 409,
    reserved: true,
    title: 'Audit chain broken',
    description:
      'Verification found an edited, deleted or reordered audit event; `details.first_bad_seq` names the first one.',
  },
});
