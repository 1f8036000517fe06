import type { Finding, Hook } from '../detector.js';

// SECURITY: the classes the class policy pins to `block` on each hook (FAIL_CLOSED_INPUT / FAIL_CLOSED_OUTPUT in
// pipeline/class-policy.ts), laid over every org's rules: no org rule, not even an explicit `allow` of the class,
// turns an outage of a remote detector into a pass. The gateway answers such a refusal as a retryable 503.
const FAIL_CLOSED_CLASS: Readonly<Record<Hook, string>> = {
  input: 'injection.detector_unavailable',
  output: 'moderation.detector_unavailable',
};

/** The finding of a remote detector that could not answer for `text` on `hook`: the whole text, blocked. */
export function unavailableFinding(hook: Hook, detector: string, text: string): Finding {
  return {
    class: FAIL_CLOSED_CLASS[hook],
    start: 0,
    end: text.length,
    confidence: 1,
    reason: 'guard.detector_unavailable',
    detector,
  };
}
