import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { newId, type OrgId, type UserId } from '../../lib/ids.js';
import type { Db, PlatformSql, TenantSql } from '../../platform/db/index.js';
import type { AuditLog } from '../audit/index.js';
import { insertMembership, insertPlatformOrg, insertUser, selectPlatformOrgId } from './repo.js';

const SECRET_PREFIX = 'bwb_';
const BOOTSTRAP_LOCK_ID = 0x62776b02;

/** What the first start created; the secret is returned once and stored only as a hash. */
export interface BootstrapResult {
  platformOrgId: OrgId;
  ownerUserId: UserId;
  secret: string;
  expiresAt: Date;
}

/** Dependencies of bootstrap. */
export interface BootstrapDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
}

// SECURITY: bootstrap secrets carry 256 random bits, so a fast hash is enough to make the stored form useless.
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * On the very first start: creates the platform org, its owner and a one-time bootstrap secret,
 * in one transaction with its audit event. Returns undefined when the platform already exists.
 */
export async function bootstrapPlatform(
  deps: BootstrapDeps,
  options: { ownerEmail: string; ttlMinutes: number },
): Promise<BootstrapResult | undefined> {
  return deps.db.withPlatform(async (platform) => {
    // Two nodes starting at once: the second waits here and then finds the platform org.
    await platform.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
    if ((await selectPlatformOrgId(platform)) !== undefined) return undefined;
    const now = deps.clock.now();
    const platformOrgId = newId('org', now.getTime());
    const ownerUserId = newId('usr', now.getTime());
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + options.ttlMinutes * 60_000);
    await insertPlatformOrg(platform, { id: platformOrgId, name: 'Platform', slug: 'platform' });
    await insertUser(platform, { id: ownerUserId, email: options.ownerEmail, displayName: 'Platform owner' });
    await platform.query(
      'INSERT INTO bootstrap_secrets (id, secret_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)',
      [newId('key', now.getTime()), hashSecret(secret), ownerUserId, expiresAt],
    );
    const tenant = await platform.enterTenant(platformOrgId);
    await insertMembership(tenant, { userId: ownerUserId, roles: ['owner'] });
    await deps.audit.append(tenant, [
      {
        orgId: platformOrgId,
        actor: { type: 'system', id: null },
        action: 'tenancy.platform.bootstrapped',
        resource: { type: 'Org', id: platformOrgId },
        decision: 'info',
        details: { owner_user_id: ownerUserId, bootstrap_expires_at: expiresAt.toISOString() },
      },
    ]);
    return { platformOrgId, ownerUserId, secret, expiresAt };
  });
}

/** The platform owner a bootstrap secret belongs to, handed to the credential minter. */
export interface BootstrapOwner {
  platformOrgId: OrgId;
  ownerUserId: UserId;
}

/**
 * Redeems a bootstrap secret once, inside the caller's platform transaction: marks it used, records
 * `tenancy.bootstrap.redeemed` and lets `mintOwnerKey` issue the owner's first credential in the platform
 * org's tenant scope of the same transaction. The credential lives in authz, which tenancy may not import,
 * hence the callback. If minting fails the secret stays unused (one transaction), so the owner can retry.
 * Unknown, used and expired secrets all fail with the same `tenancy.bootstrap_invalid`.
 */
export async function redeemBootstrapSecret<K>(
  deps: Pick<BootstrapDeps, 'clock' | 'audit'>,
  platform: PlatformSql,
  secret: string,
  mintOwnerKey: (tenant: TenantSql, owner: BootstrapOwner) => Promise<K>,
): Promise<K> {
  const now = deps.clock.now();
  // Single use even under concurrent redemption: the conditional UPDATE is atomic.
  const { rows } = await platform.query<{ user_id: UserId }>(
    'UPDATE bootstrap_secrets SET used_at = $2 WHERE secret_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id',
    [hashSecret(secret), now],
  );
  const platformOrgId = await selectPlatformOrgId(platform);
  if (!rows[0] || !platformOrgId) throw new AppError('tenancy.bootstrap_invalid');
  const owner: BootstrapOwner = { platformOrgId, ownerUserId: rows[0].user_id };
  return platform.inTenant(platformOrgId, async (tenant) => {
    await deps.audit.append(tenant, [
      {
        orgId: platformOrgId,
        actor: { type: 'user', id: owner.ownerUserId },
        action: 'tenancy.bootstrap.redeemed',
        decision: 'allow',
        resource: { type: 'Org', id: platformOrgId },
      },
    ]);
    return mintOwnerKey(tenant, owner);
  });
}

/** The platform org's id; throws when the platform was never bootstrapped. */
export async function findPlatformOrgId(db: Db): Promise<OrgId> {
  const id = await db.withPlatform(selectPlatformOrgId);
  if (!id) throw new Error('platform org missing: the database was never bootstrapped');
  return id;
}

/**
 * Issues a new bootstrap secret when the first one expired or was lost before anyone redeemed it. Refused once
 * any bootstrap secret was redeemed: from then on the platform owner's keys are the way in. Operator-only (CLI).
 */
export async function reissueBootstrapSecret(
  deps: BootstrapDeps,
  options: { ttlMinutes: number },
): Promise<{ secret: string; expiresAt: Date }> {
  const now = deps.clock.now();
  const result = await deps.db.withPlatform(async (platform) => {
    await platform.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
    const platformOrgId = await selectPlatformOrgId(platform);
    if (!platformOrgId)
      throw new AppError('tenancy.bootstrap_invalid', {
        publicMessage: 'the platform was never bootstrapped: run bulwark serve once',
      });
    const { rows } = await platform.query<{ user_id: UserId; redeemed: boolean }>(
      'SELECT user_id, bool_or(used_at IS NOT NULL) AS redeemed FROM bootstrap_secrets GROUP BY user_id',
    );
    const owner = rows[0];
    if (!owner) throw new AppError('tenancy.bootstrap_invalid', { publicMessage: 'no platform owner to bootstrap' });
    if (owner.redeemed)
      throw new AppError('tenancy.bootstrap_invalid', {
        publicMessage: 'the bootstrap secret was already redeemed; use a platform owner key instead',
      });
    // SECURITY: every earlier secret stops working before the new one exists.
    await platform.query('UPDATE bootstrap_secrets SET expires_at = $1 WHERE used_at IS NULL AND expires_at > $1', [
      now,
    ]);
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + options.ttlMinutes * 60_000);
    await platform.query(
      'INSERT INTO bootstrap_secrets (id, secret_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)',
      [newId('key', now.getTime()), hashSecret(secret), owner.user_id, expiresAt],
    );
    const tenant = await platform.enterTenant(platformOrgId);
    await deps.audit.append(tenant, [
      {
        orgId: platformOrgId,
        actor: { type: 'system', id: 'cli' },
        action: 'tenancy.bootstrap.reissued',
        resource: { type: 'Org', id: platformOrgId },
        decision: 'info',
        details: { expires_at: expiresAt.toISOString() },
      },
    ]);
    return { secret, expiresAt };
  });
  return result;
}
