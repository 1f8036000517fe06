import type { UserId } from '../../lib/ids.js';
import type { FactorCheck, SignInMeta } from './identity.js';
import type { CredentialDeps } from './identity-deps.js';
import { inAuditedTransaction, type CredentialEvent } from './sign-in-audit.js';
import type { Block } from './sign-in-throttle.js';

/** A second factor, as audit details name it. */
export type FactorName = 'totp' | 'recovery_code';

type Refusal = Exclude<FactorCheck, { ok: true }>;

/** Refuses a second-factor attempt made while the user's factor counter is blocked, and audits it. */
export function refuseThrottledFactor(
  deps: CredentialDeps,
  userId: UserId,
  factor: FactorName,
  block: Block,
  meta: SignInMeta,
): Promise<Refusal> {
  const event: CredentialEvent = {
    action: 'identity.login.throttled',
    decision: 'deny',
    reasonCodes: ['identity.login_throttled'],
    userId,
    details: { factor, scope: block.scope, retry_after_seconds: block.retryAfterSeconds },
    meta,
  };
  const result: Refusal = {
    ok: false,
    reason: 'identity.login_throttled',
    retryAfterSeconds: block.retryAfterSeconds,
  };
  return inAuditedTransaction(deps, async () => ({ result, events: [event] }));
}

/** The audit event of a refused second factor (`failure` says why, for risk signals; never the code). */
export function factorFailedEvent(
  action: string,
  userId: UserId,
  details: Record<string, unknown>,
  meta: SignInMeta,
): CredentialEvent {
  return { action, decision: 'deny', reasonCodes: ['identity.mfa_invalid'], userId, details, meta };
}

/** The answer to a refused second factor. */
export const MFA_INVALID: Refusal = { ok: false, reason: 'identity.mfa_invalid' };

/** Refuses a second factor in a transaction of its own that only records the refusal. */
export function refuseFactor(deps: CredentialDeps, event: CredentialEvent): Promise<Refusal> {
  return inAuditedTransaction(deps, async () => ({ result: MFA_INVALID, events: [event] }));
}
