import { AppError } from '../../../lib/errors/index.js';
import type { GuardResult } from '../../guard/index.js';

const UNAVAILABLE = '.detector_unavailable';

/** True when the only findings that refuse the text are detectors that could not answer (an outage, not a finding). */
export function onlyUnavailable(result: GuardResult): boolean {
  const refusing = result.findings.filter((f) => f.action === 'block' || f.action === 'quarantine');
  if (refusing.length === 0) return result.reasons.includes('guard.detector_unavailable');
  return refusing.every((f) => f.class.endsWith(UNAVAILABLE));
}

/**
 * The refusal of a text the guard could not scan. SECURITY: still refused (fail closed), but as the outage it is: a
 * 503 the client may retry, not a 400 that says its prompt was at fault, and nothing is quarantined, since nothing
 * was found.
 */
export function guardOutage(hook: 'input' | 'output'): AppError {
  return new AppError('guard.detector_unavailable', {
    publicMessage:
      hook === 'input'
        ? 'the input guard could not scan the request in time; retry shortly'
        : 'the output guard could not scan the response in time, so it was withheld; retry shortly',
    details: { retry_after_seconds: 1 },
  });
}
