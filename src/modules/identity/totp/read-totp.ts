import type { UserId } from '../../../lib/ids.js';
import type { CredentialDeps } from '../identity-deps.js';
import { totpSecretRef } from './totp-code.js';
import { selectTotp, type TotpRow } from './totp-repo.js';

/** A user's TOTP authenticator with its secret decrypted. */
export interface OpenedTotp extends TotpRow {
  secret: string;
}

/** The user's TOTP authenticator (pending or confirmed), decrypted under the platform org's data key. */
export function readTotp(deps: CredentialDeps, userId: UserId): Promise<OpenedTotp | undefined> {
  return deps.db.withPlatform(async (platform) => {
    const row = await selectTotp(platform, userId);
    if (!row) return undefined;
    const secret = await platform.inTenant(deps.platformOrgId, (sql) =>
      deps.cipher.decryptString(sql, totpSecretRef(userId), row.secretCiphertext),
    );
    return { ...row, secret };
  });
}
