import type { UserId } from '../../../lib/ids.js';
import type { SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { inAuditedTransaction } from '../sign-in-audit.js';
import { newRecoveryCodeSet } from './new-recovery-code-set.js';
import { replaceRecoveryCodes } from './recovery-code-repo.js';

/**
 * A fresh set of recovery codes for a user (the earlier ones stop working), audited in the platform chain; the codes
 * are returned once. Issued when a passkey is the first second factor, so losing that one device is no lockout.
 */
export async function issueRecoveryCodes(deps: CredentialDeps, userId: UserId, meta: SignInMeta): Promise<string[]> {
  const codes = newRecoveryCodeSet();
  return inAuditedTransaction(deps, async (platform) => {
    await replaceRecoveryCodes(platform, userId, codes.hashes, deps.clock.now());
    return {
      result: codes.codes,
      events: [
        {
          action: 'identity.mfa.recovery_codes_issued',
          decision: 'allow',
          userId,
          details: { recovery_codes_issued: codes.codes.length },
          meta,
        },
      ],
    };
  });
}
