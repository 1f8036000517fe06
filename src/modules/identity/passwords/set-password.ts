import { AppError } from '../../../lib/errors/index.js';
import type { UserId } from '../../../lib/ids.js';
import type { AuditActor } from '../../audit/index.js';
import type { SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { inAuditedTransaction } from '../sign-in-audit.js';
import { assertPasswordAcceptable } from './password-policy.js';
import { selectUserEmail, upsertPasswordHash } from './password-repo.js';

/**
 * Sets a user's password after the password policy (throws `identity.password_rejected`), stored as argon2id, with
 * its audit event in the same transaction. A password that replaces another ends every sign-in of the user in that
 * transaction too. `http.not_found` when the user does not exist.
 */
export async function setPassword(
  deps: CredentialDeps,
  userId: UserId,
  password: string,
  actor: AuditActor,
  meta?: SignInMeta,
): Promise<void> {
  const email = await deps.db.withPlatform((platform) => selectUserEmail(platform, userId));
  if (email === undefined) throw new AppError('http.not_found', { publicMessage: 'no such user' });
  assertPasswordAcceptable(password, email);
  // The hash is computed outside the transaction: argon2id takes tens of milliseconds and needs no lock.
  const hash = await deps.hasher.hash(password);
  await inAuditedTransaction(deps, async (platform) => {
    const first = await upsertPasswordHash(platform, userId, hash, deps.clock.now());
    // SECURITY: a password is replaced when the old one may be known to someone else; their sign-ins end with it.
    if (!first) await deps.endSignIns(platform, userId, { actor, reason: 'identity.password_changed' });
    return {
      result: undefined,
      events: [
        {
          action: 'identity.password.changed',
          decision: 'info',
          userId,
          actor,
          details: { factor: 'pwd', first_password: first },
          meta,
        },
      ],
    };
  });
}
