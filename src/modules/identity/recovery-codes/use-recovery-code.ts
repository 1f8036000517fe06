import type { UserId } from '../../../lib/ids.js';
import { factorFailedEvent, MFA_INVALID, refuseFactor, refuseThrottledFactor } from '../factor-outcome.js';
import type { FactorCheck, SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { inAuditedTransaction } from '../sign-in-audit.js';
import { canonicalRecoveryCode, hashRecoveryCode } from './recovery-code.js';
import { countUnusedRecoveryCodes, spendRecoveryCode } from './recovery-code-repo.js';

/** Spends one of the user's recovery codes (case, spaces and hyphens ignored); each code works once. */
export async function useRecoveryCode(
  deps: CredentialDeps,
  userId: UserId,
  code: string,
  meta: SignInMeta,
): Promise<FactorCheck> {
  const block = await deps.throttle.factorAttempt(userId);
  if (block) return refuseThrottledFactor(deps, userId, 'recovery_code', block, meta);
  const failed = (failure: string) =>
    factorFailedEvent('identity.mfa.recovery_failed', userId, { factor: 'recovery_code', failure }, meta);

  const canonical = canonicalRecoveryCode(code);
  if (canonical === undefined) return refuseFactor(deps, failed('malformed'));
  const result = await inAuditedTransaction<FactorCheck>(deps, async (platform) => {
    const spent = await spendRecoveryCode(platform, userId, hashRecoveryCode(canonical), deps.clock.now());
    if (!spent) return { result: MFA_INVALID, events: [failed('unknown_or_used')] };
    const left = await countUnusedRecoveryCodes(platform, userId);
    return {
      result: { ok: true },
      events: [
        {
          action: 'identity.mfa.recovery_code_used',
          decision: 'allow',
          userId,
          details: { factor: 'recovery_code', codes_left: left },
          meta,
        },
      ],
    };
  });
  if (result.ok) await deps.throttle.factorSucceeded(userId);
  return result;
}
