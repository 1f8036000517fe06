import { AppError } from '../../../lib/errors/index.js';
import type { UserId } from '../../../lib/ids.js';
import { factorFailedEvent, MFA_INVALID, refuseFactor, refuseThrottledFactor } from '../factor-outcome.js';
import type { FactorCheck, SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { selectUserEmail } from '../passwords/password-repo.js';
import { newRecoveryCodeSet } from '../recovery-codes/new-recovery-code-set.js';
import { replaceRecoveryCodes } from '../recovery-codes/recovery-code-repo.js';
import { inAuditedTransaction } from '../sign-in-audit.js';
import { readTotp } from './read-totp.js';
import { newTotpSecret, totpSecretRef, totpUri, verifyTotpCode } from './totp-code.js';
import { acceptTotpStep, upsertPendingTotp } from './totp-repo.js';

/**
 * Starts (or restarts) a TOTP enrollment: a new secret, encrypted under the platform org's data key, unconfirmed
 * until a code from it is checked. `identity.mfa_already_enrolled` when the user has a confirmed authenticator.
 */
export async function startTotpEnrollment(
  deps: CredentialDeps,
  userId: UserId,
  accountName: string,
): Promise<{ secret: string; otpauthUri: string }> {
  const secret = newTotpSecret();
  // Encrypted in a transaction of its own: creating the org's first data key takes the data-key lock, which must not
  // be taken while holding the audit chain lock (other use cases take them the other way round).
  const ciphertext = await deps.db.withTenant(deps.platformOrgId, (sql) =>
    deps.cipher.encrypt(sql, totpSecretRef(userId), secret),
  );
  await inAuditedTransaction(deps, async (platform) => {
    if ((await selectUserEmail(platform, userId)) === undefined)
      throw new AppError('http.not_found', { publicMessage: 'no such user' });
    // SECURITY: a confirmed authenticator is never replaced by a new enrollment, so a hijacked session cannot swap
    // the victim's second factor for the attacker's.
    if (!(await upsertPendingTotp(platform, userId, ciphertext, deps.clock.now())))
      throw new AppError('identity.mfa_already_enrolled');
    return {
      result: undefined,
      events: [
        { action: 'identity.mfa.totp_enrollment_started', decision: 'info', userId, details: { factor: 'totp' } },
      ],
    };
  });
  return { secret, otpauthUri: totpUri(secret, deps.totpIssuer, accountName) };
}

/** The outcome of a TOTP confirmation: the new recovery codes, or why it was refused. */
export type TotpConfirmation = { ok: true; recoveryCodes: string[] } | Exclude<FactorCheck, { ok: true }>;

/** Confirms a pending TOTP enrollment with a code from it; returns a fresh set of recovery codes (shown once). */
export async function confirmTotpEnrollment(
  deps: CredentialDeps,
  userId: UserId,
  code: string,
  meta: SignInMeta,
): Promise<TotpConfirmation> {
  const block = await deps.throttle.factorAttempt(userId);
  if (block) return refuseThrottledFactor(deps, userId, 'totp', block, meta);
  const failed = (failure: string) =>
    factorFailedEvent('identity.mfa.totp_failed', userId, { factor: 'totp', stage: 'enrollment', failure }, meta);

  const totp = await readTotp(deps, userId);
  if (!totp || totp.confirmed) return refuseFactor(deps, failed(totp ? 'already_confirmed' : 'not_started'));
  const now = deps.clock.now();
  const step = await verifyTotpCode(totp.secret, code, now);
  if (step === undefined) return refuseFactor(deps, failed('wrong_code'));

  const codes = newRecoveryCodeSet();
  const result = await inAuditedTransaction<TotpConfirmation>(deps, async (platform) => {
    // The secret must still be the one the code was checked against (a concurrent restart replaces it).
    const accepted = await acceptTotpStep(platform, userId, {
      secretCiphertext: totp.secretCiphertext,
      step,
      confirmAt: now,
    });
    if (!accepted) return { result: MFA_INVALID, events: [failed('replayed_concurrently')] };
    await replaceRecoveryCodes(platform, userId, codes.hashes, now);
    return {
      result: { ok: true, recoveryCodes: codes.codes },
      events: [
        {
          action: 'identity.mfa.totp_enrolled',
          decision: 'allow',
          userId,
          details: { factor: 'totp', recovery_codes_issued: codes.codes.length },
          meta,
        },
      ],
    };
  });
  if (result.ok) await deps.throttle.factorSucceeded(userId);
  return result;
}
