import { defineErrors } from '../error-spec.js';

/** Codes of the guard (detectors, redaction, quarantine). */
export const guardErrors = defineErrors({
  'guard.blocked': {
    status: 422,
    title: 'Blocked by guardrail',
    description:
      'Input guards found content the org policy blocks (PII, secrets, prompt injection). `details.findings` lists classes and reason codes, never the matched text.',
  },
  'guard.detector_unavailable': {
    status: 503,
    title: 'Guard detector unavailable',
    description:
      'A detector could not run (for example the embedding worker pool failed or timed out); input guards fail closed, so the request is not sent on.',
  },
  'injection.detector_unavailable': {
    status: 503,
    title: 'Injection detector unavailable',
    description:
      'Reported as a finding class, not raised: the prompt-injection detector could not scan the text (the guard rules worker that runs its first stage, or the embedding worker, crashed, timed out, was full or closed). The finding spans the whole text and blocks on both hooks whatever the org policy: `POST …/guard/scan` answers `verdict: block` with this class, and the gateway refuses the call as `guard.detector_unavailable` (503, `Retry-After`) before it reaches a provider.',
  },
  'guard.quarantine_not_found': {
    status: 404,
    title: 'Quarantine item not found',
    description: 'No quarantined response with this id exists in the org (an id of another org is not found either).',
  },
  'guard.quarantine_already_reviewed': {
    status: 409,
    title: 'Quarantine item already reviewed',
    description:
      'The quarantined response was already released or discarded; a review is final. `details.status` names the outcome.',
  },
  'guard.moderation_model_unknown': {
    status: 404,
    title: 'Moderation model not found',
    description:
      "`POST /v1/moderations` was asked for a model Bulwark does not serve. Use `bulwark-moderation` (OpenAI's moderation model names are accepted as aliases).",
  },
});
