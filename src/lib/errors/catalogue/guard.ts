import { defineErrors } from '../error-spec.js';

/** Codes of the guard (detectors, redaction, quarantine). */
export const guardErrors = defineErrors({
  'guard.blocked': {
    status: 422,
    title: 'Blocked by guardrail',
    description: 'Input guards found content the org policy blocks (PII, secrets, prompt injection). `details.findings` lists classes and reason codes, never the matched text.',
  },
});
