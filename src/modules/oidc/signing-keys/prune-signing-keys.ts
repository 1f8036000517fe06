import { keySchedule } from './key-schedule.js';
import type { SigningKeyDeps } from './rotate-signing-key.js';
import { deleteSigningKeys, lockSigningKeys, selectSigningKeys } from './signing-key-repo.js';

/** Deletes retired signing keys whose last token has expired (they have left the JWKS), with their audit events. */
export async function pruneSigningKeys(deps: SigningKeyDeps): Promise<string[]> {
  return deps.db.withTenant(deps.platformOrgId, async (sql) => {
    await lockSigningKeys(sql);
    const { expired } = keySchedule(await selectSigningKeys(sql), deps.clock.now(), deps.tokenLifetimeMs);
    if (expired.length === 0) return [];
    await deleteSigningKeys(sql, expired);
    await deps.audit.append(
      sql,
      expired.map((kid) => ({
        orgId: sql.orgId,
        actor: { type: 'system' as const, id: null },
        action: 'oidc.signing_key.retired',
        resource: { type: 'SigningKey', id: kid },
        decision: 'info' as const,
      })),
    );
    return [...expired];
  });
}
