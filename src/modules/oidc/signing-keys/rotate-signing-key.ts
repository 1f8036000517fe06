import { exportJWK, generateKeyPair } from 'jose';
import type { Clock } from '../../../lib/clock.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import { keySchedule } from './key-schedule.js';
import { insertSigningKey, lockSigningKeys, privateJwkRef, selectSigningKeys } from './signing-key-repo.js';

/** What signing-key use cases need: the platform org holds the keys, the cipher wraps them through the vault. */
export interface SigningKeyDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  platformOrgId: OrgId;
  /** How long a token signed now can be valid: the access-token lifetime plus the verifiers' leeway. */
  tokenLifetimeMs: number;
}

/** A key that a rotation created, or the one already waiting to sign. */
export interface RotatedKey {
  kid: string;
  signsFrom: Date;
  created: boolean;
}

// Beyond one token lifetime, the time a node may take to load the new key set (keyring refresh) before it signs.
const PUBLISH_MARGIN_MS = 60_000;

async function generateEs256(): Promise<{ publicJwk: Record<string, unknown>; privateJwk: Record<string, unknown> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

/**
 * Creates a new ES256 signing key, its private JWK encrypted through the vault, with its audit event in one
 * transaction. The key is published at once and signs one token lifetime (plus a margin) later, so every verifier
 * has it before the first token it signs; the very first key signs at once (no token exists yet). When a key is
 * already waiting to sign, that key is returned and nothing is created. With `onlyIfOlderThanMs`, a key is created
 * only when there is none or the newest is older than that (the scheduled rotation).
 */
export async function rotateSigningKey(
  deps: SigningKeyDeps,
  request: { actor: AuditActor; reason: 'manual' | 'scheduled'; onlyIfOlderThanMs?: number },
): Promise<RotatedKey | undefined> {
  return deps.db.withTenant(deps.platformOrgId, async (sql) => {
    await lockSigningKeys(sql);
    const now = deps.clock.now();
    const keys = await selectSigningKeys(sql);
    const { pending } = keySchedule(keys, now, deps.tokenLifetimeMs);
    const waiting = keys.find((key) => key.kid === pending);
    if (waiting) return { kid: waiting.kid, signsFrom: waiting.signsFrom, created: false };
    const newest = keys.at(-1);
    if (
      request.onlyIfOlderThanMs !== undefined &&
      newest &&
      now.getTime() - newest.createdAt.getTime() < request.onlyIfOlderThanMs
    )
      return undefined;
    const kid = newId('sgk');
    const signsFrom = newest ? new Date(now.getTime() + deps.tokenLifetimeMs + PUBLISH_MARGIN_MS) : now;
    const { publicJwk, privateJwk } = await generateEs256();
    const privateJwkCiphertext = await deps.cipher.encrypt(
      sql,
      privateJwkRef(kid),
      JSON.stringify({ ...privateJwk, kid, alg: 'ES256', use: 'sig' }),
    );
    await insertSigningKey(sql, {
      kid,
      publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
      privateJwkCiphertext,
      createdAt: now,
      signsFrom,
    });
    await deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: request.actor,
        action: 'oidc.signing_key.created',
        resource: { type: 'SigningKey', id: kid },
        decision: 'info',
        details: { alg: 'ES256', reason: request.reason, signs_from: signsFrom.toISOString() },
      },
    ]);
    return { kid, signsFrom, created: true };
  });
}
