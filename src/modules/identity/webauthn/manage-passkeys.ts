import { AppError } from '../../../lib/errors/index.js';
import { isId, type UserId } from '../../../lib/ids.js';
import type { AuditActor } from '../../audit/index.js';
import type { SignInMeta } from '../identity.js';
import type { PasskeyDeps, PasskeyId, PasskeySummary } from './passkey.js';
import { appendPasskeyEvent } from './passkey-audit.js';
import { deleteUserPasskey, selectUserPasskeys } from './passkey-repo.js';

/** A user's passkeys, oldest first, without key material. */
export async function listPasskeys(deps: PasskeyDeps, userId: UserId): Promise<PasskeySummary[]> {
  const passkeys = await deps.db.withPlatform((sql) => selectUserPasskeys(sql, userId));
  return passkeys.map(({ id, name, transports, createdAt, lastUsedAt, suspendedAt }) => ({
    id,
    name,
    transports,
    createdAt,
    lastUsedAt,
    suspendedAt,
  }));
}

/**
 * Removes one of a user's passkeys, audited with `actor` in the same transaction; `http.not_found` when the user has
 * no such passkey (also when it is another user's). Whether `actor` may remove it is the caller's check.
 */
export async function removePasskey(
  deps: PasskeyDeps,
  userId: UserId,
  passkeyId: string,
  actor: AuditActor,
  meta?: SignInMeta,
): Promise<void> {
  const removed = await deps.db.withPlatform(async (platform) => {
    const passkey = isId('pky', passkeyId)
      ? await deleteUserPasskey(platform, userId, passkeyId as PasskeyId)
      : undefined;
    if (passkey)
      await appendPasskeyEvent(deps, platform, {
        action: 'identity.passkey.removed',
        decision: 'allow',
        actor,
        userId,
        meta,
        details: { passkey_id: passkey.id, transports: passkey.transports, counter: passkey.counter },
      });
    return passkey !== undefined;
  });
  if (!removed) throw new AppError('http.not_found', { publicMessage: 'no such passkey' });
}
