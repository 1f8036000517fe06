import type { UserId } from '../../../lib/ids.js';
import { factorFailedEvent, MFA_INVALID, refuseFactor, refuseThrottledFactor } from '../factor-outcome.js';
import type { FactorCheck, SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { inAuditedTransaction } from '../sign-in-audit.js';
import { readTotp } from './read-totp.js';
import { timeStepAt, verifyTotpCode } from './totp-code.js';
import { acceptTotpStep } from './totp-repo.js';

/**
 * Checks a TOTP code of the user's confirmed authenticator. A code of a time step already accepted (or earlier) is
 * refused, also when two requests present it at once; throttled per user before anything is checked.
 */
export async function checkTotp(
  deps: CredentialDeps,
  userId: UserId,
  code: string,
  meta: SignInMeta,
): Promise<FactorCheck> {
  const block = await deps.throttle.factorAttempt(userId);
  if (block) return refuseThrottledFactor(deps, userId, 'totp', block, meta);
  const failed = (failure: string) =>
    factorFailedEvent('identity.mfa.totp_failed', userId, { factor: 'totp', failure }, meta);

  const totp = await readTotp(deps, userId);
  if (!totp?.confirmed) return refuseFactor(deps, failed('not_enrolled'));
  const now = deps.clock.now();
  const step = await verifyTotpCode(totp.secret, code, now);
  if (step === undefined) return refuseFactor(deps, failed('wrong_code'));
  // SECURITY: a code of a step already accepted (or an earlier one) is a replay, even within its validity window.
  if (totp.lastUsedStep !== null && step <= totp.lastUsedStep) return refuseFactor(deps, failed('replayed'));

  const result = await inAuditedTransaction<FactorCheck>(deps, async (platform) => {
    // SECURITY: the step is recorded by a conditional UPDATE; a concurrent use of the same code that verified against
    // the same last_used_step finds the row changed and is refused here.
    const accepted = await acceptTotpStep(platform, userId, { secretCiphertext: totp.secretCiphertext, step });
    if (!accepted) return { result: MFA_INVALID, events: [failed('replayed_concurrently')] };
    return {
      result: { ok: true },
      events: [
        {
          action: 'identity.mfa.totp_succeeded',
          decision: 'allow',
          userId,
          details: { factor: 'totp', step_drift: step - timeStepAt(now) },
          meta,
        },
      ],
    };
  });
  if (result.ok) await deps.throttle.factorSucceeded(userId);
  return result;
}
